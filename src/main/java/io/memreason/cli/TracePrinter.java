package io.memreason.cli;

import io.memreason.avro.Answer;
import io.memreason.avro.AnswerStatus;
import io.memreason.avro.Question;
import io.memreason.avro.ReasoningStep;
import io.memreason.avro.StepKind;
import io.memreason.pipeline.TraceSubscription;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Prints traces live: every step as soon as it is published, in step order per question, memory and reason steps
 * told apart by colour and by a label ({@code [memory]}, {@code [reason]}, {@code [step]} for an unlabelled step),
 * so it reads the same without colour; then the answer with its label, status, model version and latency.
 */
final class TracePrinter implements TraceSubscription.Handler {
  private static final String BOLD = "1";
  private static final String CYAN = "36";
  private static final String YELLOW = "33";
  private static final String GREEN = "32";
  private static final String RED = "31";
  private static final String DIM = "2";

  private final PrintStream out;
  private final boolean colour;
  /** Only these questions are printed; the rest of the topic's traffic is not ours. */
  private final Set<String> followed;
  /** Steps arrive from two topics, so step 2 can come before step 1: hold them until their turn. */
  private final Map<String, TreeMap<Integer, ReasoningStep>> waiting = new HashMap<>();
  private final Map<String, Integer> nextIndex = new HashMap<>();
  private int answered;

  TracePrinter(PrintStream out, boolean colour, Set<String> followed) {
    this.out = out;
    this.colour = colour;
    this.followed = followed;
  }

  void question(Question q) {
    String options = q.getOptions() == null || q.getOptions().isEmpty() ? "" : "  " + dim("options: " + String.join(" | ", q.getOptions()));
    out.println(paint(BOLD, "[question]") + " " + dim(q.getId()) + "  " + q.getText() + options);
  }

  @Override
  public void onStep(ReasoningStep step) {
    String id = step.getQuestionId();
    if (!followed.contains(id)) {
      return;
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
    answered++;
    boolean ok = answer.getStatus() == AnswerStatus.OK;
    String text = answer.getStatus() == AnswerStatus.FAILED ? "failed: " + answer.getError() : answer.getAnswerText();
    String label = answer.getLabel() == null ? "" : "label " + answer.getLabel() + " · ";
    out.println(paint(ok ? GREEN : RED, "[answer]") + " " + dim(id) + "  " + paint(BOLD, text) + "  "
        + dim(label + answer.getStatus() + " · model " + answer.getModelVersion() + " · " + answer.getLatencyMs()
        + " ms · " + answer.getGeneratedTokens() + " tokens"));
  }

  int answered() {
    return answered;
  }

  private void printReadySteps(String id) {
    TreeMap<Integer, ReasoningStep> steps = waiting.get(id);
    int next = nextIndex.getOrDefault(id, 0);
    while (!steps.isEmpty() && steps.firstKey() <= next) {
      ReasoningStep s = steps.pollFirstEntry().getValue();
      if (s.getIndex() == next) {
        out.println(label(s.getKind()) + " " + dim(id + " #" + s.getIndex()) + "  " + s.getText());
        next++;
      }
    }
    nextIndex.put(id, next);
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
