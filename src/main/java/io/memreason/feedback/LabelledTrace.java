package io.memreason.feedback;

import io.memreason.reasoning.StepText;
import java.util.List;

/**
 * A trace to train on, made from a label: the question as the model was asked it (options written in), the steps to
 * learn, and the answer.
 */
public record LabelledTrace(String questionId, String question, List<StepText> steps, String answer) {
  public LabelledTrace {
    steps = List.copyOf(steps);
  }
}
