package io.memreason.llm.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.Optional;

/**
 * Embedding and output tables with any step-token rows appended at load time: one lookup and one matMul.
 *
 * @param input [vocabularySize, streamWidth]
 * @param output [streamWidth, vocabularySize] (a view of the [vocabularySize, streamWidth] table; with tied
 *     embeddings and no step tokens it is the input table itself)
 * @param bias [vocabularySize]: zero for base tokens, {@code new_out.bias} for step tokens; empty without step tokens
 */
public record MergedTokenTables(NDArray input, NDArray output, Optional<NDArray> bias, int baseRows)
    implements TokenTables {

  @Override
  public int vocabularySize() {
    return (int) input.getShape().get(0);
  }

  @Override
  public NDArray embed(NDManager manager, int[][] ids) {
    return input.get(manager, new NDIndex("{}", TokenIds.array(manager, ids)));
  }

  @Override
  public NDArray logits(NDArray normalised) {
    NDArray logits = normalised.matMul(output);
    return bias.isEmpty() ? logits : logits.add(bias.get());
  }
}
