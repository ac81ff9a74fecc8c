package io.memreason.llm.generate;

/**
 * How the next token is chosen, as transformers applies it: temperature, then top-k, then top-p (nucleus),
 * then a draw. Temperature 0 is greedy (argmax; the other fields are ignored). The seed fixes the draws: the
 * same request with the same seed yields the same tokens whatever else is in the batch.
 *
 * @param topP keep the smallest set of most likely tokens whose probability reaches topP (1 = all)
 * @param topK keep the k most likely tokens (0 = all)
 */
public record SamplingParams(float temperature, float topP, int topK, long seed) {

  public SamplingParams {
    if (temperature < 0 || Float.isNaN(temperature)) {
      throw new IllegalArgumentException("temperature must be >= 0, not " + temperature);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("top-p must be in (0, 1], not " + topP);
    }
    if (topK < 0) {
      throw new IllegalArgumentException("top-k must be >= 0, not " + topK);
    }
  }

  public static SamplingParams greedy() {
    return new SamplingParams(0f, 1f, 0, 0L);
  }

  public boolean isGreedy() {
    return temperature == 0f;
  }
}
