package io.memreason.reasoning;

import java.util.Objects;

/**
 * What one step of a trace says, without timing: the form the trace parser reads from generated text and the
 * training template writes back.
 *
 * @param text the step's text without step tokens and without the surrounding spaces and newline
 */
public record StepText(StepKind kind, String text) {
  public StepText {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(text, "text");
  }
}
