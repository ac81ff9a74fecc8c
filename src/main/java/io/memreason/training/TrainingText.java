package io.memreason.training;

import io.memreason.reasoning.StepText;
import io.memreason.reasoning.TraceTemplate;
import java.util.List;

/**
 * One training example as text: the question part, whose tokens the loss ignores, and the target the model learns
 * to write. Built by the one {@link TraceTemplate} from either source: the seed datasets or labelled traces.
 *
 * @param question {@code "Question: " + q + "\n "}
 * @param target the steps behind their step tokens, then the answer line
 */
public record TrainingText(String question, String target) {

  /** The training text of a seed item, its steps' kinds read from their labels as the reference reads them. */
  public static TrainingText fromSeed(SeedExample example, TraceTemplate template) {
    List<StepText> steps = StepLabels.read(example.question(), example.cotSteps());
    return new TrainingText(template.question(example.question()), template.target(steps, example.answer()));
  }

  /**
   * The training text of a labelled trace (retraining from feedback).
   *
   * @param question the question as the model was asked it, options written in (see
   *     {@link io.memreason.reasoning.Task#withOptions})
   * @param steps the memory, reason and assignment steps, corrections applied; no answer step
   * @param answer the answer label to train on
   */
  public static TrainingText fromTrace(TraceTemplate template, String question, List<StepText> steps, String answer) {
    return new TrainingText(template.question(question), template.target(steps, answer));
  }

  /** The whole sequence text, question then target. */
  public String text() {
    return question + target;
  }
}
