package io.memreason.training;

/** Training produced a non-finite loss or gradient; the model must not be updated from it. */
public final class TrainingDivergedException extends RuntimeException {
  public TrainingDivergedException(String message) {
    super(message);
  }
}
