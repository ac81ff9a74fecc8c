package io.memreason.llm.model;

import ai.djl.ndarray.NDArray;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * What one model version adds to a shared base, in the forward pass's layout: per layer the unmerged LoRA updates of
 * the fused projections, and the version's step-token rows. Rows of different versions can share one batch over the
 * same base weights ({@link LlamaModel#decode(KvCache, int[], List)}), each row computed with its own version's parts.
 *
 * @param layers one entry per decoder layer (no updates for a version without LoRA)
 * @param stepTokens the version's step-token rows; empty when its rows use the base vocabulary only
 */
public record AdapterWeights(List<LayerUpdates> layers, Optional<StepTokenRows> stepTokens) {

  /** The base model itself: no update, no step tokens. */
  public static final AdapterWeights NONE = new AdapterWeights(List.of(), Optional.empty());

  public AdapterWeights {
    layers = List.copyOf(layers);
  }

  /**
   * The low-rank updates of one layer's fused projections ({@link LayerWeights}' layout); an empty one leaves that
   * projection as the base computes it.
   */
  public record LayerUpdates(Optional<LowRank> qkv, Optional<LowRank> output, Optional<LowRank> gateUp,
                             Optional<LowRank> down) {}

  /**
   * A version's step tokens in the stream layout.
   *
   * @param input [n, streamWidth] rows appended to the embedding (constant column set, see {@link StreamLayout})
   * @param output [streamWidth, n] columns appended to the output head
   * @param bias [n] added to the step tokens' logits
   */
  public record StepTokenRows(NDArray input, NDArray output, NDArray bias) {
    public int count() {
      return (int) input.getShape().get(0);
    }
  }

  /** Step tokens this version adds to the vocabulary. */
  public int stepTokenCount() {
    return stepTokens.map(StepTokenRows::count).orElse(0);
  }

  /** The update of one projection of one layer, if this version has one. */
  Optional<LowRank> update(int layer, Function<LayerUpdates, Optional<LowRank>> projection) {
    return layers.isEmpty() ? Optional.empty() : projection.apply(layers.get(layer));
  }
}
