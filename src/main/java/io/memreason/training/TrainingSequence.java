package io.memreason.training;

import java.util.Arrays;

/**
 * One tokenized training sequence: BOS, the question and target tokens, EOS. The loss is computed on predicting
 * {@code ids[p]} for every {@code p >= firstSupervisedPosition} (from the logits at {@code p - 1}); the positions
 * before it (BOS and the question) are masked.
 */
public record TrainingSequence(int[] ids, int firstSupervisedPosition) {

  public TrainingSequence {
    if (firstSupervisedPosition < 1 || firstSupervisedPosition >= ids.length) {
      throw new IllegalArgumentException("first supervised position " + firstSupervisedPosition
          + " is outside a sequence of " + ids.length + " tokens (position 0 is BOS and is never predicted)");
    }
    ids = ids.clone();
  }

  /** A copy of the ids. */
  @Override
  public int[] ids() {
    return ids.clone();
  }

  /** How many tokens the sequence has. */
  public int length() {
    return ids.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TrainingSequence other && firstSupervisedPosition == other.firstSupervisedPosition
        && Arrays.equals(ids, other.ids);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(ids) + firstSupervisedPosition;
  }

  @Override
  public String toString() {
    return "TrainingSequence[ids=" + Arrays.toString(ids) + ", firstSupervisedPosition=" + firstSupervisedPosition + "]";
  }
}
