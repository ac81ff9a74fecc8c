package io.memreason.llm.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Draw frequencies against the exact distribution each setting defines. With 200 000 draws a frequency's
 * standard error is at most 0.0011, so 0.006 is over five standard errors.
 */
class SamplerTest {
  private static final int DRAWS = 200_000;
  private static final double TOLERANCE = 0.006;
  private static final float[] LOGITS = {2.0f, 1.5f, 1.0f, 0.5f, 0.0f, -1.0f, -3.0f, 1.5f};

  private static double[] frequencies(SamplingParams p) {
    SplittableRandom random = new SplittableRandom(p.seed());
    double[] counts = new double[LOGITS.length];
    for (int i = 0; i < DRAWS; i++) {
      counts[Sampler.sample(LOGITS, 0, LOGITS.length, p, random)]++;
    }
    for (int i = 0; i < counts.length; i++) {
      counts[i] /= DRAWS;
    }
    return counts;
  }

  /** softmax(logits / t) restricted to {@code kept}, renormalised. */
  private static double[] softmax(float temperature, boolean[] kept) {
    double[] p = new double[LOGITS.length];
    double sum = 0;
    for (int i = 0; i < p.length; i++) {
      p[i] = kept[i] ? Math.exp(LOGITS[i] / temperature) : 0;
      sum += p[i];
    }
    for (int i = 0; i < p.length; i++) {
      p[i] /= sum;
    }
    return p;
  }

  private static boolean[] all() {
    boolean[] k = new boolean[LOGITS.length];
    Arrays.fill(k, true);
    return k;
  }

  private static void assertClose(double[] expected, double[] actual) {
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], TOLERANCE, "token " + i);
    }
  }

  @Test
  void temperatureScalesTheSoftmax() {
    assertClose(softmax(1f, all()), frequencies(new SamplingParams(1f, 1f, 0, 1)));
    assertClose(softmax(0.5f, all()), frequencies(new SamplingParams(0.5f, 1f, 0, 2)));
    assertClose(softmax(2f, all()), frequencies(new SamplingParams(2f, 1f, 0, 3)));
  }

  @Test
  void topKKeepsTheKMostLikelyAndTiesWithTheKth() {
    // Top 2 is {0} plus the tie {1, 7} at 1.5: transformers keeps every logit >= the k-th value.
    boolean[] kept = {true, true, false, false, false, false, false, true};
    assertClose(softmax(1f, kept), frequencies(new SamplingParams(1f, 1f, 2, 4)));
    boolean[] top4 = {true, true, true, false, false, false, false, true};
    assertClose(softmax(0.7f, top4), frequencies(new SamplingParams(0.7f, 1f, 4, 5)));
  }

  @Test
  void topPKeepsTheSmallestSetReachingP() {
    double[] full = softmax(1f, all());
    // Sorted: 0 (.33), 1 and 7 (.20 each), 2 (.12), ...; cumulative .33, .54, .74, .86: p = 0.8 keeps four.
    boolean[] nucleus = {true, true, true, false, false, false, false, true};
    assertTrue(full[0] + full[1] + full[7] < 0.8 && full[0] + full[1] + full[7] + full[2] >= 0.8);
    assertClose(softmax(1f, nucleus), frequencies(new SamplingParams(1f, 0.8f, 0, 6)));
    boolean[] onlyBest = {true, false, false, false, false, false, false, false};
    assertClose(softmax(1f, onlyBest), frequencies(new SamplingParams(1f, 0.2f, 0, 7)));
  }

  @Test
  void topKAppliesBeforeTopP() {
    // Top-k 3 keeps {0, 1, 7}; renormalised, 0 has .45 and 1, 7 .27 each: p = 0.6 keeps 0 and the first tie (1).
    boolean[] kept = {true, true, false, false, false, false, false, false};
    assertClose(softmax(1f, kept), frequencies(new SamplingParams(1f, 0.6f, 3, 8)));
  }

  @Test
  void aSeedReplaysItsDraws() {
    SamplingParams p = new SamplingParams(1.2f, 0.9f, 5, 42);
    SplittableRandom a = new SplittableRandom(42);
    SplittableRandom b = new SplittableRandom(42);
    for (int i = 0; i < 1000; i++) {
      assertEquals(Sampler.sample(LOGITS, 0, LOGITS.length, p, a), Sampler.sample(LOGITS, 0, LOGITS.length, p, b));
    }
  }

  @Test
  void readsItsRowOfABatch() {
    float[] batch = new float[3 * LOGITS.length];
    Arrays.fill(batch, -100f);
    batch[LOGITS.length + 5] = 100f;
    assertEquals(5, Sampler.sample(batch, LOGITS.length, LOGITS.length, new SamplingParams(1f, 1f, 0, 1),
        new SplittableRandom(1)));
  }
}
