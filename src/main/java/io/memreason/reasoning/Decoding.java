package io.memreason.reasoning;

/**
 * How to pick each next token. Temperature 0 is greedy. The seed makes sampling reproducible: the same
 * request with the same seed gives the same tokens whatever else is in the batch.
 */
public record Decoding(float temperature, float topP, int topK, int maxNewTokens, long seed) {
  public boolean greedy() {
    return temperature <= 0f;
  }
}
