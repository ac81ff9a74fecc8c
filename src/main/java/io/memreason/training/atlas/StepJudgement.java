package io.memreason.training.atlas;

/** The verdict of {@link StepJudge} on one generated step. */
public enum StepJudgement {
  /** Every statement the step makes is true in the world. */
  CORRECT,
  /** The step reads as atlas statements, and at least one of them is false. */
  WRONG,
  /** The step has the form of no atlas statement, so it cannot be right. */
  UNREADABLE;

  public boolean isCorrect() {
    return this == CORRECT;
  }
}
