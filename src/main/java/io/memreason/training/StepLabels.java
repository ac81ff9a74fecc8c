package io.memreason.training;

import io.memreason.reasoning.StepKind;
import io.memreason.reasoning.StepText;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads the kinds of the seed's chain-of-thought steps from their {@code [rag]:} / {@code [reason]:} labels the
 * way the reference does, so the training text is the one the paper's models were trained on.
 *
 * <p>The reference does not look at each step's own label: it collects the labels at the start of every line of
 * {@code "Question: " + q + " \n" + steps joined by " \n" + " \n"}, keeps {@code reason} (REASON) and {@code rag}
 * (MEMORY), drops any other label, and hands the kinds out to the steps in order. A dropped label therefore shifts
 * the kinds of the later steps, steps left over are ASSIGNMENT steps, and more labels than steps (a step with a
 * labelled second line) stops the reference. In the cleaned seed files every step has exactly one label, so the
 * two readings agree there.
 */
final class StepLabels {

  /* Python's re: '.' stops only at '\n' and '^' (MULTILINE) follows only '\n', hence UNIX_LINES. */
  private static final Pattern LABEL_AT_LINE_START =
      Pattern.compile("^\\[(.*?)\\]:", Pattern.MULTILINE | Pattern.UNIX_LINES);
  private static final Pattern ANY_LABEL = Pattern.compile("\\[.*?\\]: ", Pattern.UNIX_LINES);

  private StepLabels() {}

  /**
   * The steps with their kinds and without their labels.
   *
   * @throws IllegalArgumentException if the steps carry more kind labels than there are steps
   */
  static List<StepText> read(String question, List<String> steps) {
    String text = "Question: " + question + " \n" + String.join(" \n", steps) + " \n";
    List<StepKind> kinds = LABEL_AT_LINE_START.matcher(text).results()
        .map(label -> kindOf(label.group(1))).flatMap(Optional::stream).toList();
    if (kinds.size() > steps.size()) {
      throw new IllegalArgumentException(kinds.size() + " step labels for " + steps.size() + " steps in the example '"
          + question + "': a step has a labelled line inside it; split it into separate steps");
    }
    List<StepText> labelled = new ArrayList<>(steps.size());
    for (int i = 0; i < steps.size(); i++) {
      labelled.add(new StepText(i < kinds.size() ? kinds.get(i) : StepKind.ASSIGNMENT, withoutLabels(steps.get(i))));
    }
    return labelled;
  }

  /** The step with every {@code [label]: } removed, wherever it occurs (the reference's {@code re.sub}). */
  static String withoutLabels(String step) {
    return ANY_LABEL.matcher(step).replaceAll("");
  }

  private static Optional<StepKind> kindOf(String label) {
    return switch (label) {
      case "reason" -> Optional.of(StepKind.REASON);
      case "rag" -> Optional.of(StepKind.MEMORY);
      default -> Optional.empty();
    };
  }
}
