package io.memreason.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Comparing a row of logits with the reference's. */
public final class Logits {
  private Logits() {}

  /** The largest |expected - actual|, after checking that both rows are as wide. */
  public static double maxAbsDiff(float[] expected, float[] actual, String where) {
    assertEquals(expected.length, actual.length, where + ": logits width (vocabulary size)");
    double worst = 0;
    for (int i = 0; i < expected.length; i++) {
      worst = Math.max(worst, Math.abs((double) expected[i] - actual[i]));
    }
    return worst;
  }

  /** The first index of the largest value, as torch's argmax picks it. */
  public static int argmax(float[] row) {
    int best = 0;
    for (int i = 1; i < row.length; i++) {
      if (row[i] > row[best]) {
        best = i;
      }
    }
    return best;
  }
}
