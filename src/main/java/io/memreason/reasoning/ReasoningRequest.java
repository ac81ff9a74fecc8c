package io.memreason.reasoning;

import java.util.List;

/**
 * A question to answer with a memory/reason trace.
 *
 * @param id unique id; {@link Reasoner#cancel} takes it
 * @param options multiple-choice options (lettered A, B, ...), empty when none
 * @param givenSteps steps the trace starts with: the prompt holds them behind their step tokens and the model
 *     continues after them; they are the trace's first steps (flagged given), the generated ones follow
 */
public record ReasoningRequest(String id, String question, Task task, List<String> options, Decoding decoding,
                               List<StepText> givenSteps) {

  public ReasoningRequest {
    options = List.copyOf(options);
    givenSteps = List.copyOf(givenSteps);
    for (StepText step : givenSteps) {
      if (step.kind() == StepKind.ANSWER) {
        throw new IllegalArgumentException("request " + id + ": a given step is a memory, reason or assignment step,"
            + " not the answer");
      }
    }
  }

  /** A request without given steps: the model writes the whole trace. */
  public ReasoningRequest(String id, String question, Task task, List<String> options, Decoding decoding) {
    this(id, question, task, options, decoding, List.of());
  }
}
