package io.memreason.reasoning;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A finished trace: all steps (the answer step last when there is one), the extracted label and how it ended.
 *
 * @param label the task's extracted answer (True/False, a letter), empty when none was found
 * @param error why generation failed, when status is FAILED
 */
public record Trace(String requestId, List<Step> steps, Optional<String> label, Status status, Optional<String> error,
                    int promptTokens, int generatedTokens, String modelVersion, Instant finishedAt) {

  /** How a trace ended. */
  public enum Status {
    /** The model wrote its answer and stopped. */
    OK,
    /** A token limit cut the trace short. */
    TRUNCATED,
    /** The model failed; see {@link Trace#error()}. */
    FAILED
  }

  /** The answer step, if the model wrote one. */
  public Optional<Step> answer() {
    return steps.isEmpty() || steps.get(steps.size() - 1).kind() != StepKind.ANSWER
        ? Optional.empty() : Optional.of(steps.get(steps.size() - 1));
  }
}
