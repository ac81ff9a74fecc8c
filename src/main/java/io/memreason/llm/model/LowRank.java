package io.memreason.llm.model;

import ai.djl.ndarray.NDArray;

/**
 * A low-rank update {@code x·down·up} added to a projection: unmerged LoRA, with PEFT's scaling, the folded
 * norm weights and the fused layout already applied (see {@link LoraFolding}).
 *
 * @param down [in, r]
 * @param up [r, out]
 */
public record LowRank(NDArray down, NDArray up) {
  NDArray apply(NDArray x) {
    return x.matMul(down).matMul(up);
  }
}
