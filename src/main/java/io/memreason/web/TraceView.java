package io.memreason.web;

import io.memreason.avro.Feedback;
import io.memreason.avro.Question;
import io.memreason.avro.ReasoningStep;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What the page and the API show of one question: the question, its steps so far, its answer and its label, merged
 * from the questions, steps, answers and feedback topics in whatever order their records arrive (they travel on
 * different topics, so a step may come before its question). Immutable: each record that arrives gives a new view.
 * Serialized to JSON as it is; times are epoch milliseconds, absent parts are left out.
 *
 * @param question the question text, null until the question or its answer was seen
 * @param status {@code PENDING} until the answer arrives, then the answer's status ({@code OK}, {@code TRUNCATED},
 *     {@code FAILED})
 * @param modelVersion the version that wrote the steps (from the first step or the answer)
 */
record TraceView(String id, String question, String task, List<String> options, Long submittedAt, String status,
                 String modelVersion, List<Step> steps, Answer answer, Label label) {

  static final String PENDING = "PENDING";

  /** One memory, reason or assignment step ({@code kind} as in the Avro {@code StepKind}). */
  record Step(int index, String kind, String text, int tokenCount, long startedAt, long completedAt) {
    static Step of(ReasoningStep s) {
      return new Step(s.getIndex(), s.getKind().name(), s.getText(), s.getTokenCount(),
          s.getStartedAt().toEpochMilli(), s.getCompletedAt().toEpochMilli());
    }
  }

  /** The final answer: the answer step's text and the extracted label, or the error of a failed question. */
  record Answer(String text, String label, String error, long latencyMs, long answeredAt, int promptTokens,
                int generatedTokens) {}

  /** The current label of the answer (a later label replaces an earlier one). */
  record Label(String verdict, String correctedAnswer, List<StepVerdict> stepVerdicts, String labeller,
               long labelledAt) {}

  /** A labeller's judgement of one step. */
  record StepVerdict(int index, boolean correct, String correctedText) {}

  /** A question known only by its id so far. */
  static TraceView unseen(String id) {
    return new TraceView(id, null, null, List.of(), null, PENDING, null, List.of(), null, null);
  }

  boolean answered() {
    return answer != null;
  }

  /** Whether the trace has a step at this index. */
  boolean hasStep(int index) {
    return steps.stream().anyMatch(s -> s.index() == index);
  }

  TraceView withQuestion(Question q) {
    return new TraceView(id, q.getText(), q.getTask() == null ? "OPEN" : q.getTask().name(),
        q.getOptions() == null ? List.of() : List.copyOf(q.getOptions()), q.getSubmittedAt().toEpochMilli(), status,
        modelVersion, steps, answer, label);
  }

  TraceView withStep(ReasoningStep s) {
    return new TraceView(id, question, task, options, submittedAt, status,
        modelVersion == null ? s.getModelVersion() : modelVersion, merged(steps, List.of(Step.of(s))), answer, label);
  }

  /**
   * The answer carries the question and the whole trace, so it also completes a view whose question or steps were
   * missed (e.g. published before the monitor started following).
   */
  TraceView withAnswer(io.memreason.avro.Answer a) {
    Answer answer = new Answer(a.getAnswerText(), a.getLabel(), a.getError(), a.getLatencyMs(),
        a.getAnsweredAt().toEpochMilli(), a.getPromptTokens(), a.getGeneratedTokens());
    return new TraceView(id, question == null ? a.getQuestion() : question, task == null ? a.getTask().name() : task,
        options, submittedAt == null ? a.getSubmittedAt().toEpochMilli() : submittedAt, a.getStatus().name(),
        a.getModelVersion(), merged(steps, a.getSteps().stream().map(Step::of).toList()), answer, label);
  }

  TraceView withLabel(Feedback f) {
    List<StepVerdict> verdicts = f.getStepVerdicts().stream()
        .map(v -> new StepVerdict(v.getIndex(), v.getCorrect(), v.getCorrectedText())).toList();
    Label label = new Label(f.getVerdict().name(), f.getCorrectedAnswer(), verdicts, f.getLabeller(),
        f.getLabelledAt().toEpochMilli());
    return new TraceView(id, question, task, options, submittedAt, status, modelVersion, steps, answer, label);
  }

  /** The steps of both lists by index; a step seen twice keeps its first version (both are the same step). */
  private static List<Step> merged(List<Step> known, List<Step> arriving) {
    List<Step> all = new ArrayList<>(known);
    for (Step s : arriving) {
      if (all.stream().noneMatch(k -> k.index() == s.index())) {
        all.add(s);
      }
    }
    all.sort(Comparator.comparingInt(Step::index));
    return List.copyOf(all);
  }
}
