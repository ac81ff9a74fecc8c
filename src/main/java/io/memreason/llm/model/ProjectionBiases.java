package io.memreason.llm.model;

/**
 * Which projections of a layer add a bias: Qwen2's q/k/v, Llama's optional attention and MLP biases. The bias is
 * part of the projection ({@code y = x·W + b}), so RoPE rotates the biased queries and keys, and LoRA adds its
 * update beside it.
 *
 * @param queryKeyValue q_proj, k_proj and v_proj
 * @param output o_proj
 * @param mlp gate_proj, up_proj and down_proj
 */
public record ProjectionBiases(boolean queryKeyValue, boolean output, boolean mlp) {
  public static final ProjectionBiases NONE = new ProjectionBiases(false, false, false);

  public boolean any() {
    return queryKeyValue || output || mlp;
  }
}
