package io.memreason.llm.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Draws a token from one row of logits, in Java, with the request's own random generator: temperature, then
 * top-k (ties with the k-th value are kept, as in transformers), then top-p (the smallest set of most likely
 * tokens whose probability reaches p), then one uniform draw. Tokens more than {@value #NEGLIGIBLE} below the
 * best scaled logit are treated as probability 0 (less than 1e-21 each), which spares most calls to exp.
 */
final class Sampler {
  static final double NEGLIGIBLE = 50;

  private Sampler() {}

  /** Samples from {@code logits[offset, offset + vocabulary)}. */
  static int sample(float[] logits, int offset, int vocabulary, SamplingParams p, SplittableRandom random) {
    double inverseTemperature = 1.0 / p.temperature();
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < vocabulary; i++) {
      max = Math.max(max, logits[offset + i]);
    }
    double floor = kthLargest(logits, offset, vocabulary, p.topK());
    double cutoff = Math.max(floor, max - NEGLIGIBLE / inverseTemperature);
    // Candidates and their unnormalised probabilities.
    int[] ids = new int[16];
    double[] weights = new double[16];
    int n = 0;
    double total = 0;
    for (int i = 0; i < vocabulary; i++) {
      float l = logits[offset + i];
      if (l >= cutoff) {
        if (n == ids.length) {
          ids = Arrays.copyOf(ids, n * 2);
          weights = Arrays.copyOf(weights, n * 2);
        }
        double w = Math.exp((l - max) * inverseTemperature);
        ids[n] = i;
        weights[n] = w;
        total += w;
        n++;
      }
    }
    if (p.topP() < 1f) {
      n = nucleus(ids, weights, n, total * p.topP());
      total = 0;
      for (int i = 0; i < n; i++) {
        total += weights[i];
      }
    }
    double u = random.nextDouble() * total;
    for (int i = 0; i < n; i++) {
      u -= weights[i];
      if (u < 0) {
        return ids[i];
      }
    }
    return ids[n - 1];
  }

  /** The k-th largest logit, or -infinity when k is 0 (no top-k) or covers the vocabulary. */
  private static double kthLargest(float[] logits, int offset, int vocabulary, int k) {
    if (k <= 0 || k >= vocabulary) {
      return Double.NEGATIVE_INFINITY;
    }
    // A min-heap of the k largest values seen.
    float[] heap = new float[k];
    int size = 0;
    for (int i = 0; i < vocabulary; i++) {
      float v = logits[offset + i];
      if (size < k) {
        heap[size] = v;
        int c = size++;
        while (c > 0 && heap[(c - 1) / 2] > heap[c]) {
          swap(heap, c, (c - 1) / 2);
          c = (c - 1) / 2;
        }
      } else if (v > heap[0]) {
        heap[0] = v;
        int c = 0;
        while (true) {
          int l = 2 * c + 1;
          int r = l + 1;
          int m = c;
          if (l < k && heap[l] < heap[m]) {
            m = l;
          }
          if (r < k && heap[r] < heap[m]) {
            m = r;
          }
          if (m == c) {
            break;
          }
          swap(heap, c, m);
          c = m;
        }
      }
    }
    return heap[0];
  }

  private static void swap(float[] a, int i, int j) {
    float t = a[i];
    a[i] = a[j];
    a[j] = t;
  }

  /**
   * Reorders the candidates by weight (descending, ties by id) and returns how many form the nucleus: a token
   * is kept while the weight of the more likely ones is still below {@code mass}.
   */
  private static int nucleus(int[] ids, double[] weights, int n, double mass) {
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> weights[a] != weights[b] ? Double.compare(weights[b], weights[a])
        : Integer.compare(ids[a], ids[b]));
    int[] sortedIds = new int[n];
    double[] sortedWeights = new double[n];
    int kept = 0;
    double before = 0;
    for (int i = 0; i < n && before < mass; i++) {
      sortedIds[i] = ids[order[i]];
      sortedWeights[i] = weights[order[i]];
      before += sortedWeights[i];
      kept++;
    }
    System.arraycopy(sortedIds, 0, ids, 0, kept);
    System.arraycopy(sortedWeights, 0, weights, 0, kept);
    return kept;
  }
}
