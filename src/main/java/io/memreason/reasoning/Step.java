package io.memreason.reasoning;

import java.time.Instant;

/**
 * One completed step of a generated trace.
 *
 * @param index position in the trace, from 0 (the answer step comes last)
 * @param tokenCount tokens generated for the step, step tokens included
 */
public record Step(int index, StepKind kind, String text, int tokenCount, Instant startedAt, Instant completedAt) {}
