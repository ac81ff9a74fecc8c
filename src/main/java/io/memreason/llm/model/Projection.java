package io.memreason.llm.model;

import ai.djl.ndarray.NDArray;
import java.util.Optional;

/**
 * A bias-free linear layer {@code y = x·W (+ x·down·up)}. The weight is held as an [in, out] view of the
 * checkpoint's [out, in] matrix, so applying it is a single matMul with no per-call transpose.
 */
public record Projection(NDArray weight, Optional<LowRank> lowRank) {

  public Projection withLowRank(LowRank update) {
    return new Projection(weight, Optional.of(update));
  }

  NDArray apply(NDArray x) {
    NDArray y = x.matMul(weight);
    return lowRank.isEmpty() ? y : y.add(lowRank.get().apply(x));
  }
}
