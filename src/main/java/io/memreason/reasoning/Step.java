package io.memreason.reasoning;

import java.time.Instant;
import java.util.Optional;

/**
 * One completed step of a trace.
 *
 * @param index position in the trace, from 0 (the answer step comes last)
 * @param tokenCount tokens generated for the step, step tokens included (0 for a given step)
 * @param given true for a step the request brought ({@link ReasoningRequest#givenSteps()}), false for one the model
 *     wrote
 * @param verification the {@link MemoryVerifier}'s verdict on a memory step the model wrote, when one checked it
 */
public record Step(int index, StepKind kind, String text, int tokenCount, Instant startedAt, Instant completedAt,
                   boolean given, Optional<Verification> verification) {

  /** A step the model wrote, not checked by any verifier. */
  public Step(int index, StepKind kind, String text, int tokenCount, Instant startedAt, Instant completedAt) {
    this(index, kind, text, tokenCount, startedAt, completedAt, false, Optional.empty());
  }

  /** A step the request brought, at {@code at}. */
  public static Step given(int index, StepText step, Instant at) {
    return new Step(index, step.kind(), step.text(), 0, at, at, true, Optional.empty());
  }

  public Step withVerification(Verification v) {
    return new Step(index, kind, text, tokenCount, startedAt, completedAt, given, Optional.of(v));
  }

  /** What the step says, without timing. */
  public StepText asText() {
    return new StepText(kind, text);
  }
}
