package io.memreason.web;

import io.memreason.avro.Feedback;
import io.memreason.avro.Question;
import io.memreason.avro.ReasoningStep;
import io.memreason.avro.RevisedStep;
import io.memreason.avro.StepVerification;
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
 * @param decoding the question's decoding overrides, which a revision of it keeps
 * @param revises the question and step this one revises, when it is a revision
 * @param revisions the revisions of this question seen so far, oldest first
 * @param shadow the candidate's shadow answer to the question ({@code serving.shadow}), when there is one: shown beside
 *     the served answer, never instead of it
 */
record TraceView(String id, String question, String task, List<String> options, Long submittedAt, String status,
                 String modelVersion, List<Step> steps, Answer answer, Label label, Decoding decoding,
                 Revises revises, List<String> revisions, Shadow shadow) {

  static final String PENDING = "PENDING";

  /**
   * One memory, reason or assignment step ({@code kind} as in the Avro {@code StepKind}).
   *
   * @param given true for a step the question brought, false for one the model wrote
   * @param verification the memory verifier's verdict, when one checked the step
   */
  record Step(int index, String kind, String text, int tokenCount, long startedAt, long completedAt, boolean given,
              Verification verification) {
    static Step of(ReasoningStep s) {
      StepVerification v = s.getVerification();
      return new Step(s.getIndex(), s.getKind().name(), s.getText(), s.getTokenCount(),
          s.getStartedAt().toEpochMilli(), s.getCompletedAt().toEpochMilli(), s.getGiven(),
          v == null ? null : new Verification(v.getVerdict().name(), v.getCorrectFact(), v.getVerifier(),
              v.getRevisionId()));
    }
  }

  /** {@code SUPPORTED}, {@code CONTRADICTED} (with the correct fact) or {@code UNKNOWN}; the revision it led to. */
  record Verification(String verdict, String correctFact, String verifier, String revisionId) {}

  /** The step of another question this one corrects, and why (an automatic revision says). */
  record Revises(String questionId, int stepIndex, String reason, String modelVersion, int depth) {
    static Revises of(RevisedStep r) {
      return r == null ? null
          : new Revises(r.getQuestionId(), r.getStepIndex(), r.getReason(), r.getModelVersion(), r.getDepth());
    }
  }

  /** The question's decoding overrides (absent ones are the server's defaults). */
  record Decoding(Float temperature, Float topP, Integer topK, Integer maxNewTokens, Long seed) {
    static Decoding of(io.memreason.avro.Decoding d) {
      return d == null ? null
          : new Decoding(d.getTemperature(), d.getTopP(), d.getTopK(), d.getMaxNewTokens(), d.getSeed());
    }

    io.memreason.avro.Decoding toAvro() {
      return new io.memreason.avro.Decoding(temperature, topP, topK, maxNewTokens, seed);
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

  /**
   * A candidate version's shadow answer, with its whole trace and its own label (a label with {@code shadow: true}).
   *
   * @param status the shadow answer's status ({@code OK}, {@code TRUNCATED}, {@code FAILED})
   */
  record Shadow(String modelVersion, String status, List<Step> steps, Answer answer, Label label) {
    boolean hasStep(int index) {
      return steps.stream().anyMatch(s -> s.index() == index);
    }
  }

  /** A question known only by its id so far. */
  static TraceView unseen(String id) {
    return new TraceView(id, null, null, List.of(), null, PENDING, null, List.of(), null, null, null, null, List.of(),
        null);
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
        modelVersion, steps, answer, label, Decoding.of(q.getDecoding()), Revises.of(q.getRevises()), revisions, shadow);
  }

  TraceView withStep(ReasoningStep s) {
    return new TraceView(id, question, task, options, submittedAt, status,
        modelVersion == null ? s.getModelVersion() : modelVersion, merged(steps, List.of(Step.of(s))), answer, label,
        decoding, revises, revisions, shadow);
  }

  /**
   * The answer carries the question and the whole trace, so it also completes a view whose question or steps were
   * missed (e.g. published before the monitor started following).
   */
  TraceView withAnswer(io.memreason.avro.Answer a) {
    Answer answer = answerOf(a);
    return new TraceView(id, question == null ? a.getQuestion() : question, task == null ? a.getTask().name() : task,
        options, submittedAt == null ? a.getSubmittedAt().toEpochMilli() : submittedAt, a.getStatus().name(),
        a.getModelVersion(), merged(steps, a.getSteps().stream().map(Step::of).toList()), answer, label, decoding,
        revises == null ? Revises.of(a.getRevises()) : revises, revisions, shadow);
  }

  /** A candidate's shadow answer (its steps inside) is shown beside the served one; it changes nothing of that one. */
  TraceView withShadowAnswer(io.memreason.avro.Answer a) {
    Label shadowLabel = shadow == null ? null : shadow.label();
    Shadow arrived = new Shadow(a.getModelVersion(), a.getStatus().name(),
        a.getSteps().stream().map(Step::of).sorted(Comparator.comparingInt(Step::index)).toList(), answerOf(a),
        shadowLabel);
    return new TraceView(id, question == null ? a.getQuestion() : question, task == null ? a.getTask().name() : task,
        options, submittedAt == null ? a.getSubmittedAt().toEpochMilli() : submittedAt, status, modelVersion, steps,
        answer, label, decoding, revises, revisions, arrived);
  }

  /** A label of the served answer, or with {@code shadow} of the shadow answer (if the page has it). */
  TraceView withLabel(Feedback f) {
    List<StepVerdict> verdicts = f.getStepVerdicts().stream()
        .map(v -> new StepVerdict(v.getIndex(), v.getCorrect(), v.getCorrectedText())).toList();
    Label given = new Label(f.getVerdict().name(), f.getCorrectedAnswer(), verdicts, f.getLabeller(),
        f.getLabelledAt().toEpochMilli());
    if (f.getShadow()) {
      return shadow == null ? this : new TraceView(id, question, task, options, submittedAt, status, modelVersion,
          steps, answer, label, decoding, revises, revisions,
          new Shadow(shadow.modelVersion(), shadow.status(), shadow.steps(), shadow.answer(), given));
    }
    return new TraceView(id, question, task, options, submittedAt, status, modelVersion, steps, answer, given,
        decoding, revises, revisions, shadow);
  }

  /** A question that revises this one was seen. */
  TraceView withRevision(String revisionId) {
    if (revisions.contains(revisionId)) {
      return this;
    }
    List<String> more = new ArrayList<>(revisions);
    more.add(revisionId);
    return new TraceView(id, question, task, options, submittedAt, status, modelVersion, steps, answer, label,
        decoding, revises, List.copyOf(more), shadow);
  }

  private static Answer answerOf(io.memreason.avro.Answer a) {
    return new Answer(a.getAnswerText(), a.getLabel(), a.getError(), a.getLatencyMs(), a.getAnsweredAt().toEpochMilli(),
        a.getPromptTokens(), a.getGeneratedTokens());
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
