package io.memreason.console;

import io.memreason.avro.Answer;
import io.memreason.avro.AnswerStatus;
import io.memreason.avro.Feedback;
import io.memreason.avro.ModelAccuracy;
import io.memreason.avro.ModelStatus;
import io.memreason.avro.ModelVersion;
import io.memreason.avro.Question;
import io.memreason.avro.ReasoningStep;
import io.memreason.avro.StepKind;
import io.memreason.avro.StepVerification;
import io.memreason.avro.Verdict;
import io.memreason.feedback.LearningSubscription;
import io.memreason.feedback.RetrainJob;
import io.memreason.pipeline.TraceSubscription;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Prints traces live: every step as soon as it is published, in step order per question, memory and reason steps
 * told apart by colour and by a label ({@code [memory]}, {@code [reason]}, {@code [step]} for an unlabelled step),
 * so it reads the same without colour; then the answer with its label, status, model version and latency. Also how
 * the model learns: labels given by the demo ({@code [label]}), each change of a version's live accuracy
 * ({@code [accuracy]}) and each promoted or rejected version ({@code [model]}). A given step is marked
 * {@code (given)}; a memory step the verifier checked carries its verdict; a revision the pipeline asks of a followed
 * question is followed too and introduced by a {@code [revision]} line.
 */
public final class TracePrinter implements TraceSubscription.Handler, LearningSubscription.Handler {
  private static final String BOLD = "1";
  private static final String CYAN = "36";
  private static final String YELLOW = "33";
  private static final String GREEN = "32";
  private static final String RED = "31";
  private static final String DIM = "2";
  private static final String BLUE = "34";
  private static final String MAGENTA = "35";

  private final PrintStream out;
  private final boolean colour;
  /** Only these questions are printed; the rest of the topic's traffic is not ours. */
  private final Set<String> followed;
  /** The revisions the pipeline asked of followed questions, with what they revise (question and step). */
  private final Map<String, String> revisionOf = new HashMap<>();
  /** Steps arrive from two topics, so step 2 can come before step 1: hold them until their turn. */
  private final Map<String, TreeMap<Integer, ReasoningStep>> waiting = new HashMap<>();
  private final Map<String, Integer> nextIndex = new HashMap<>();
  /** Promoted or rejected versions printed so far. */
  private int decisions;
  /** The latest accuracy figures of each version. */
  private final Map<String, ModelAccuracy> accuracies = new TreeMap<>();
  /** Answered questions: a step of theirs that arrives after the answer was printed with it already. */
  private final Set<String> answered = new HashSet<>();

  public TracePrinter(PrintStream out, boolean colour, Set<String> followed) {
    this.out = out;
    this.colour = colour;
    this.followed = new HashSet<>(followed);
  }

  public void question(Question q) {
    String options = q.getOptions() == null || q.getOptions().isEmpty() ? "" : "  " + dim("options: " + String.join(" | ", q.getOptions()));
    out.println(paint(BOLD, "[question]") + " " + dim(q.getId()) + "  " + q.getText() + options);
  }

  @Override
  public void onStep(ReasoningStep step) {
    String id = step.getQuestionId();
    if (!followed.contains(id) || answered.contains(id)) {
      return;
    }
    StepVerification v = step.getVerification();
    if (v != null && v.getRevisionId() != null && followed.add(v.getRevisionId())) {
      revisionOf.put(v.getRevisionId(), id + " step #" + step.getIndex());
    }
    waiting.computeIfAbsent(id, k -> new TreeMap<>()).put(step.getIndex(), step);
    printReadySteps(id);
  }

  @Override
  public void onAnswer(Answer answer) {
    String id = answer.getQuestionId();
    if (!followed.contains(id)) {
      return;
    }
    // Steps still in flight on the other topic are in the answer's trace: print them first.
    answer.getSteps().forEach(s -> waiting.computeIfAbsent(id, k -> new TreeMap<>()).putIfAbsent(s.getIndex(), s));
    printReadySteps(id);
    waiting.remove(id);
    nextIndex.remove(id);
    answered.add(id);
    boolean ok = answer.getStatus() == AnswerStatus.OK;
    String text = answer.getStatus() == AnswerStatus.FAILED ? "failed: " + answer.getError() : answer.getAnswerText();
    String label = answer.getLabel() == null ? "" : "label " + answer.getLabel() + " · ";
    out.println(paint(ok ? GREEN : RED, "[answer]") + " " + dim(id) + "  " + paint(BOLD, text) + "  "
        + dim(label + answer.getStatus() + " · model " + answer.getModelVersion() + " · " + answer.getLatencyMs()
        + " ms · " + answer.getGeneratedTokens() + " tokens"));
  }

  /** A label the demo gave an answer: the verdict, the corrected answer, the steps judged wrong. */
  public void label(Feedback f) {
    boolean right = f.getVerdict() == Verdict.CORRECT;
    List<String> wrong = f.getStepVerdicts().stream().filter(v -> !v.getCorrect())
        .map(v -> "#" + v.getIndex() + (v.getCorrectedText() == null ? "" : " (corrected)")).toList();
    out.println(paint(right ? GREEN : RED, "[label]") + "  " + dim(f.getQuestionId()) + "  " + f.getVerdict()
        + (right ? "" : " → " + f.getCorrectedAnswer())
        + dim(wrong.isEmpty() ? "" : " · steps wrong " + String.join(", ", wrong)));
  }

  @Override
  public void onAccuracy(ModelAccuracy a) {
    accuracies.put(a.getModelVersion(), a);
    out.println(paint(MAGENTA, "[accuracy]") + " " + paint(BOLD, a.getModelVersion()) + String.format(Locale.ROOT,
        "  %d of %d labelled answers correct (%.1f %%)", a.getCorrect(), a.getLabelled(),
        a.getLabelled() == 0 ? 0.0 : 100.0 * a.getCorrect() / a.getLabelled())
        + dim(" · memory steps wrong " + a.getMemoryStepsWrong() + "/" + a.getMemoryStepsJudged()
        + " · reason steps wrong " + a.getReasonStepsWrong() + "/" + a.getReasonStepsJudged()));
  }

  @Override
  public void onModelVersion(ModelVersion v) {
    if (v.getStatus() != ModelStatus.PROMOTED && v.getStatus() != ModelStatus.REJECTED) {
      return; // registered and retired versions follow from these two
    }
    Map<String, Double> m = v.getMetrics();
    String trained = m.containsKey(RetrainJob.TRAIN_SECONDS) ? String.format(Locale.ROOT,
        " · trained from %s on %.0f labelled traces and %.0f replayed items in %.0f s", v.getParentVersion(),
        m.get(RetrainJob.TRAIN_TRACES), m.get(RetrainJob.TRAIN_REPLAY), m.get(RetrainJob.TRAIN_SECONDS)) : "";
    boolean promoted = v.getStatus() == ModelStatus.PROMOTED;
    decisions++;
    out.println(paint(BLUE, "[model]") + " " + paint(BOLD, v.getVersion() + " " + v.getStatus()) + "  "
        + (promoted ? v.getReason() + ": new questions go to " + v.getVersion() : v.getReason()) + dim(trained));
  }

  /** Answers with a current label, over all versions, as the latest accuracy figures printed count them. */
  public long labelled() {
    return accuracies.values().stream().mapToLong(ModelAccuracy::getLabelled).sum();
  }

  /** One line with the latest accuracy of every version. */
  public void accuracySummary() {
    List<String> versions = accuracies.values().stream().map(a -> String.format(Locale.ROOT, "%s %d of %d (%.1f %%)",
        a.getModelVersion(), a.getCorrect(), a.getLabelled(),
        a.getLabelled() == 0 ? 0.0 : 100.0 * a.getCorrect() / a.getLabelled())).toList();
    out.println(paint(MAGENTA, "[accuracy]") + " " + paint(BOLD, "per version: " + String.join(" · ", versions)));
  }

  /** How many promoted or rejected versions were printed. */
  public int decisions() {
    return decisions;
  }

  public boolean hasAnswered(String questionId) {
    return answered.contains(questionId);
  }

  private void printReadySteps(String id) {
    TreeMap<Integer, ReasoningStep> steps = waiting.get(id);
    int next = nextIndex.getOrDefault(id, 0);
    while (!steps.isEmpty() && steps.firstKey() <= next) {
      ReasoningStep s = steps.pollFirstEntry().getValue();
      if (s.getIndex() == next) {
        if (next == 0 && revisionOf.containsKey(id)) {
          out.println(paint(MAGENTA, "[revision]") + " " + dim(id) + "  revises " + revisionOf.get(id)
              + ": the steps before it and the correct fact given, the model continues");
        }
        out.println(label(s.getKind()) + " " + dim(id + " #" + s.getIndex()) + "  " + s.getText()
            + (s.getGiven() ? dim("  (given)") : "") + verdict(s));
        next++;
      }
    }
    nextIndex.put(id, next);
  }

  /** The memory verifier's verdict on a step, if it has one. */
  private String verdict(ReasoningStep s) {
    StepVerification v = s.getVerification();
    if (v == null) {
      return "";
    }
    return switch (v.getVerdict()) {
      case SUPPORTED -> "  " + paint(GREEN, "✓ supported");
      case CONTRADICTED -> "  " + paint(RED, "✗ contradicted") + dim(" by " + v.getVerifier() + ": ")
          + v.getCorrectFact() + (v.getRevisionId() == null ? "" : dim(" → revised as " + v.getRevisionId()));
      default -> "  " + dim("? unknown to " + v.getVerifier());
    };
  }

  private String label(StepKind kind) {
    return switch (kind) {
      case MEMORY -> paint(CYAN, "[memory]");
      case REASON -> paint(YELLOW, "[reason]");
      default -> paint(YELLOW, "[step]  ");
    };
  }

  private String dim(String s) {
    return paint(DIM, s);
  }

  private String paint(String sgr, String s) {
    return colour ? "\u001B[" + sgr + "m" + s + "\u001B[0m" : s;
  }
}
