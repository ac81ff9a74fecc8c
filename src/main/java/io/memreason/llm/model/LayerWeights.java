package io.memreason.llm.model;

import ai.djl.ndarray.NDArray;

/**
 * One decoder layer in the layout the forward pass uses (see {@link StreamLayout}): the query, key and value
 * projections fused into one, gate and up fused into one, each RMSNorm's weight folded into the projection
 * that reads its output.
 *
 * @param qkv stream → [queries | keys | values] (queries pre-scaled by 1/sqrt(head_dim))
 * @param output attention output → stream
 * @param gateUp stream → [gate | up]
 * @param down MLP activation → stream
 * @param inputNorm the attention RMSNorm weight times sqrt(hidden), [hidden]: already folded into {@code qkv},
 *     kept to fold LoRA factors that change (training)
 * @param postNorm the MLP RMSNorm weight times sqrt(hidden), [hidden], folded into {@code gateUp}
 */
public record LayerWeights(Projection qkv, Projection output, Projection gateUp, Projection down,
                           NDArray inputNorm, NDArray postNorm) {

  /** The same layer with other projections (e.g. with LoRA updates attached). */
  public LayerWeights with(Projection qkv, Projection output, Projection gateUp, Projection down) {
    return new LayerWeights(qkv, output, gateUp, down, inputNorm, postNorm);
  }
}
