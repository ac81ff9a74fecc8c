package io.memreason.llm.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.List;

/**
 * A Llama decoder's parameters in the forward pass's layout ({@link StreamLayout}, {@link LayerWeights}),
 * read-only once built, so worker threads share one instance.
 *
 * @param finalNorm the final RMSNorm weight times sqrt(hidden), widened to the stream [streamWidth]
 * @param dtype FLOAT32 on CPU, FLOAT16 on a GPU
 */
public record LlamaWeights(LlamaConfig config, StreamLayout layout, List<LayerWeights> layers, TokenTables tokens,
                           NDArray finalNorm, DataType dtype) {

  public LlamaWeights {
    layers = List.copyOf(layers);
  }

  /** The same model with other layers (e.g. with trainable LoRA updates) or other token tables. */
  public LlamaWeights with(List<LayerWeights> newLayers, TokenTables newTokens) {
    return new LlamaWeights(config, layout, newLayers, newTokens, finalNorm, dtype);
  }
}
