package io.memreason.llm.model;

import ai.djl.ndarray.NDArray;
import java.util.Optional;

/**
 * A linear layer {@code y = x·W (+ b) (+ x·down·up)}. The weight is held as an [in, out] view of the checkpoint's
 * [out, in] matrix, so applying it is a single matMul with no per-call transpose; the bias (Qwen2's q/k/v, for
 * one) is [out] in the same fused layout.
 */
public record Projection(NDArray weight, Optional<NDArray> bias, Optional<LowRank> lowRank) {

  /** A projection without a low-rank update. */
  public Projection(NDArray weight, Optional<NDArray> bias) {
    this(weight, bias, Optional.empty());
  }

  public Projection withLowRank(LowRank update) {
    return new Projection(weight, bias, Optional.of(update));
  }

  NDArray apply(NDArray x) {
    NDArray y = x.matMul(weight);
    if (bias.isPresent()) {
      y = y.add(bias.get());
    }
    return lowRank.isEmpty() ? y : y.add(lowRank.get().apply(x));
  }
}
