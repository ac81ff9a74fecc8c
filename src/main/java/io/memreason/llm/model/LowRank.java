package io.memreason.llm.model;

import ai.djl.ndarray.NDArray;

/**
 * A low-rank update {@code x·down·up} added to a projection: unmerged LoRA, with PEFT's scaling, the folded
 * norm weights and the fused layout already applied (see {@link io.memreason.llm.weights.LoraFolding}).
 *
 * @param down [in, r]
 * @param up [r, out]
 * @param inputDropout LoRA dropout while training: the probability of zeroing each input element of the update
 *     (PEFT's {@code lora_dropout}); 0 at inference
 */
public record LowRank(NDArray down, NDArray up, float inputDropout) {

  public LowRank {
    if (!(inputDropout >= 0 && inputDropout < 1)) {
      throw new IllegalArgumentException("LoRA dropout must be in [0, 1), not " + inputDropout);
    }
  }

  /** An update without dropout (inference). */
  public LowRank(NDArray down, NDArray up) {
    this(down, up, 0f);
  }

  /** The same update with dropout on its input (training). */
  public LowRank withInputDropout(float rate) {
    return new LowRank(down, up, rate);
  }

  NDArray apply(NDArray x) {
    NDArray in = inputDropout == 0f ? x : x.getNDArrayInternal().dropout(x, inputDropout, true).singletonOrThrow();
    return in.matMul(down).matMul(up);
  }
}
