package io.memreason.reasoning;

/**
 * Checks what a memory step recalls against what is known: supported, contradicted (with the correct fact) or
 * unknown. The pipeline calls it on every memory step the model writes, on the engine's thread, as soon as the step is
 * complete ({@code pipeline.verify}): it must be quick and thread-safe. Given steps are never checked: they are what
 * the question's producer (a person, a retrieval system) says.
 */
@FunctionalInterface
public interface MemoryVerifier {

  /**
   * The verdict on one memory step.
   *
   * @param memoryStep the step's text, without step tokens
   */
  Verification verify(String memoryStep);
}
