package io.memreason.llm.model;

import ai.djl.ndarray.NDArray;

/** Where one forward pass keeps each layer's new keys and values, and what its queries attend to. */
@FunctionalInterface
interface KeyValueStore {

  /**
   * Keys and values to attend to.
   *
   * @param keys [B, kvHeads, headDim, K] (transposed for q·kᵀ)
   * @param values [B, kvHeads, K, headDim]
   */
  record Attended(NDArray keys, NDArray values) {}

  /** Stores a layer's new keys and values ([B, T, kvHeads, headDim], rotated) and returns what to attend to. */
  Attended put(int layer, NDArray keys, NDArray values);

  /** Without a cache: the pass attends to exactly the keys and values it computed. */
  KeyValueStore NONE = (layer, k, v) -> new Attended(k.transpose(0, 2, 3, 1), v.transpose(0, 2, 1, 3));
}
