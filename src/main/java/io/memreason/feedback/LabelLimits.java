package io.memreason.feedback;

import io.memreason.avro.Feedback;
import io.memreason.avro.StepVerdict;
import io.memreason.pipeline.QuestionLimits;
import java.util.Optional;

/**
 * What a label must be to be joined with its answer: the one set of rules behind both doors, the feedback topic (a
 * label that breaks one is an INVALID dead letter) and {@code POST /api/feedback} (a 400). A label's texts become
 * training data, so a megabyte "corrected step" from a producer would otherwise become a megabyte training sequence.
 *
 * <ul>
 *   <li>labeller: 1 to {@value #MAX_LABELLER_CHARS} characters, not blank, no control characters;
 *   <li>correctedAnswer and every step's correctedText: at most {@value #MAX_TEXT_CHARS} characters;
 *   <li>stepVerdicts: at most {@value #MAX_STEP_VERDICTS}, none with a negative index.
 * </ul>
 */
public final class LabelLimits {
  public static final int MAX_LABELLER_CHARS = 100;
  public static final int MAX_TEXT_CHARS = 2000;
  public static final int MAX_STEP_VERDICTS = 256;

  private LabelLimits() {
  }

  /** The first rule the label breaks, as one line that names the field, or empty when it may be joined. */
  public static Optional<String> problem(Feedback label) {
    String labeller = label.getLabeller();
    if (QuestionLimits.isBlank(labeller)) {
      return Optional.of("labeller is blank");
    }
    if (QuestionLimits.characters(labeller) > MAX_LABELLER_CHARS) {
      return Optional.of("labeller has " + QuestionLimits.characters(labeller) + " characters, more than "
          + MAX_LABELLER_CHARS);
    }
    if (labeller.codePoints().anyMatch(Character::isISOControl)) {
      return Optional.of("labeller contains a control character");
    }
    Optional<String> answer = tooLong("correctedAnswer", label.getCorrectedAnswer());
    if (answer.isPresent()) {
      return answer;
    }
    if (label.getStepVerdicts().size() > MAX_STEP_VERDICTS) {
      return Optional.of("stepVerdicts has " + label.getStepVerdicts().size() + " entries, more than "
          + MAX_STEP_VERDICTS);
    }
    for (StepVerdict step : label.getStepVerdicts()) {
      if (step.getIndex() < 0) {
        return Optional.of("stepVerdicts names step " + step.getIndex() + ": step indexes start at 0");
      }
      Optional<String> text = tooLong("the correctedText of step " + step.getIndex(), step.getCorrectedText());
      if (text.isPresent()) {
        return text;
      }
    }
    return Optional.empty();
  }

  private static Optional<String> tooLong(String field, String text) {
    if (text == null || QuestionLimits.characters(text) <= MAX_TEXT_CHARS) {
      return Optional.empty();
    }
    return Optional.of(field + " has " + QuestionLimits.characters(text) + " characters, more than " + MAX_TEXT_CHARS);
  }
}
