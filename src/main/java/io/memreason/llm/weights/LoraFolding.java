package io.memreason.llm.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.memreason.llm.adapter.LoraAdapter;
import io.memreason.llm.adapter.LoraPair;
import io.memreason.llm.adapter.LoraTarget;
import io.memreason.llm.model.LayerWeights;
import io.memreason.llm.model.LlamaConfig;
import io.memreason.llm.model.LlamaWeights;
import io.memreason.llm.model.LowRank;
import io.memreason.llm.model.Projection;
import io.memreason.llm.model.StreamLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Unmerged LoRA in the forward pass's layout: PEFT's per-projection factors become one low-rank update per
 * fused projection ({@code qkv}: A's stacked, B block-diagonal; likewise {@code gateUp}), with the scaling,
 * the 1/sqrt(head_dim) of queries, the RMSNorm weights and the stream padding folded in, so that
 * {@code x·down·up} equals PEFT's {@code scaling · B·A·x} on the same input.
 *
 * <p>Only concatenations, transposes and products with arrays, all differentiable in A and B: serving calls
 * this once at load; training calls it every step on trainable factors, inside the step's scope (the constants
 * it makes must live until backward).
 */
public final class LoraFolding {
  private LoraFolding() {}

  /** The model's layers with the adapter's updates attached (base weights untouched). */
  public static List<LayerWeights> attach(LlamaWeights base, LoraAdapter adapter, NDManager manager) {
    LlamaConfig c = base.config();
    StreamLayout layout = base.layout();
    float scaling = (float) adapter.settings().scaling();
    List<LayerWeights> layers = new ArrayList<>();
    for (int l = 0; l < base.layers().size(); l++) {
      LayerWeights w = base.layers().get(l);
      Map<LoraTarget, LoraPair> f = adapter.layer(l);
      Folder folder = new Folder(manager, layout, scaling);
      Optional<LowRank> qkv = folder.readingStream(f, w.inputNorm(),
          new LoraTarget[] {LoraTarget.Q, LoraTarget.K, LoraTarget.V},
          new int[] {c.heads() * c.headDim(), c.kvHeads() * c.headDim(), c.kvHeads() * c.headDim()},
          new float[] {(float) (1 / Math.sqrt(c.headDim())), 1f, 1f});
      Optional<LowRank> gateUp = folder.readingStream(f, w.postNorm(),
          new LoraTarget[] {LoraTarget.GATE, LoraTarget.UP},
          new int[] {c.intermediateSize(), c.intermediateSize()}, new float[] {1f, 1f});
      Optional<LowRank> output = folder.writingStream(f.get(LoraTarget.O));
      Optional<LowRank> down = folder.writingStream(f.get(LoraTarget.DOWN));
      layers.add(w.with(with(w.qkv(), qkv), with(w.output(), output), with(w.gateUp(), gateUp), with(w.down(), down)));
    }
    return layers;
  }

  private static Projection with(Projection p, Optional<LowRank> update) {
    return update.map(p::withLowRank).orElse(p);
  }

  private record Folder(NDManager manager, StreamLayout layout, float scaling) {

    /**
     * A fused projection that reads the normalised stream: its parts' A's see {@code norm ⊙ x} (the weight the
     * base matrix has folded in), and each part's B writes its own slice of the fused output.
     */
    Optional<LowRank> readingStream(Map<LoraTarget, LoraPair> factors, NDArray norm, LoraTarget[] parts,
                                    int[] widths, float[] outputScales) {
      int total = 0;
      for (int w : widths) {
        total += w;
      }
      NDList downs = new NDList();
      NDList ups = new NDList();
      int offset = 0;
      for (int i = 0; i < parts.length; i++) {
        LoraPair pair = factors.get(parts[i]);
        if (pair != null) {
          long rank = pair.a().getShape().get(0);
          downs.add(layout.widenRows(pair.a().mul(norm.reshape(1, layout.hidden())).transpose()));
          NDArray b = pair.b().transpose().mul(constant(scaling * outputScales[i]));
          ups.add(NDArrays.concat(new NDList(zeros(rank, offset), b, zeros(rank, total - offset - widths[i])), 1));
        }
        offset += widths[i];
      }
      if (downs.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(new LowRank(join(downs, 1), join(ups, 0)));
    }

    /** Concatenation that keeps a single array as it is: DJL's concat clones it, detached from autograd. */
    private static NDArray join(NDList parts, int axis) {
      return parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, axis);
    }

    /** A projection that writes the stream: B's rows widen to the stream with zeros. */
    Optional<LowRank> writingStream(LoraPair pair) {
      if (pair == null) {
        return Optional.empty();
      }
      NDArray up = layout.widenColumns(pair.b().transpose().mul(constant(scaling)), false);
      return Optional.of(new LowRank(pair.a().transpose(), up));
    }

    private NDArray constant(float value) {
      return manager.create(new float[] {value}, new Shape(1));
    }

    private NDArray zeros(long rows, long cols) {
      return manager.zeros(new Shape(rows, cols));
    }
  }
}
