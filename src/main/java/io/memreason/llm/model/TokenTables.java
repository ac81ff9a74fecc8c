package io.memreason.llm.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * The vocabulary's two ends: token ids to stream vectors, and normalised stream vectors to logits. Step tokens
 * ({@code ids >= embedding rows}) are served either from tables they were merged into at load time
 * ({@link MergedTokenTables}) or from separate trainable rows ({@link TrainableTokenTables}).
 */
public interface TokenTables {

  /** Rows of the base embedding: the first step-token id. */
  int baseRows();

  /** Logit columns: base rows plus step tokens. */
  int vocabularySize();

  /** Stream vectors [B, T, streamWidth] for ids [B, T]. */
  NDArray embed(NDManager manager, int[][] ids);

  /** Logits [..., vocabularySize] of normalised stream vectors [..., streamWidth]. */
  NDArray logits(NDArray normalised);
}
