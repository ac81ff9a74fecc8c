package io.memreason.llm.weights;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.memreason.llm.CheckpointException;
import io.memreason.llm.adapter.LoraAdapter;
import io.memreason.llm.adapter.LoraPair;
import io.memreason.llm.adapter.LoraTarget;
import io.memreason.llm.adapter.StepTokenWeights;
import io.memreason.llm.model.AdapterWeights;
import io.memreason.llm.model.LayerWeights;
import io.memreason.llm.model.LlamaConfig;
import io.memreason.llm.model.LlamaWeights;
import io.memreason.llm.model.LowRank;
import io.memreason.llm.model.MergedTokenTables;
import io.memreason.llm.model.Projection;
import io.memreason.llm.model.StreamLayout;
import io.memreason.llm.safetensors.TensorSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Builds {@link LlamaWeights} from a checkpoint's Hugging Face tensors: checks every shape against
 * config.json, merges a LoRA adapter into the base matrices or keeps it as separate low-rank updates, appends
 * step-token rows to the vocabulary tables, and rearranges everything into the forward pass's layout (fused,
 * norm-folded, [in, out] contiguous, see {@link StreamLayout}). Work happens on the CPU in float32, one layer at
 * a time; each finished array is converted to the target type and moved to the target device.
 */
public final class WeightLoader {

  /** How a LoRA adapter is served. */
  public enum LoraMode {
    /** {@code W + scaling·B·A} computed once: no run-time cost. */
    MERGED,
    /** Separate low-rank updates applied at every step (the form training uses). */
    UNMERGED
  }

  private final LlamaConfig config;
  private final TensorSource source;
  private final StreamLayout layout;
  private final NDManager target;
  private final DataType dtype;

  private WeightLoader(LlamaConfig config, TensorSource source, NDManager target, DataType dtype) {
    this.config = config;
    this.source = source;
    this.layout = StreamLayout.of(config);
    this.target = target;
    this.dtype = dtype;
  }

  /**
   * Loads the weights into {@code target} (whose device decides where they live) as {@code dtype}.
   *
   * @param adapter its arrays may live anywhere; they are copied
   */
  public static LlamaWeights load(LlamaConfig config, TensorSource source, Optional<LoraAdapter> adapter,
                                  LoraMode mode, Optional<StepTokenWeights> stepTokens, NDManager target, DataType dtype) {
    return new WeightLoader(config, source, target, dtype).load(adapter, mode, stepTokens);
  }

  private LlamaWeights load(Optional<LoraAdapter> adapter, LoraMode mode, Optional<StepTokenWeights> stepTokens) {
    Optional<LoraAdapter> merged = adapter.filter(a -> mode == LoraMode.MERGED);
    List<LayerWeights> layers = new ArrayList<>();
    float scaling = merged.map(a -> (float) a.settings().scaling()).orElse(0f);
    for (int l = 0; l < config.layers(); l++) {
      layers.add(layer(l, merged.isPresent() ? merged.get().layer(l) : Map.of(), scaling));
    }
    MergedTokenTables tokens;
    NDArray finalNorm;
    try (NDManager work = NDManager.newBaseManager(Device.cpu())) {
      tokens = tokenTables(work, stepTokens);
      finalNorm = finish(layout.normVector(tensor(work, "model.norm.weight", config.hiddenSize())));
    }
    LlamaWeights weights = new LlamaWeights(config, layout, layers, tokens, finalNorm, dtype);
    if (adapter.isPresent() && mode == LoraMode.UNMERGED) {
      weights = weights.with(unmerged(weights, adapter.get()), tokens);
    }
    return weights;
  }

  private LayerWeights layer(int l, Map<LoraTarget, LoraPair> merge, float scaling) {
    String p = "model.layers." + l + ".";
    int h = config.hiddenSize();
    int q = config.heads() * config.headDim();
    int kv = config.kvHeads() * config.headDim();
    int inter = config.intermediateSize();
    try (NDManager work = NDManager.newBaseManager(Device.cpu())) {
      NDArray inputNorm = tensor(work, p + "input_layernorm.weight", h).mul(layout.normScale());
      NDArray postNorm = tensor(work, p + "post_attention_layernorm.weight", h).mul(layout.normScale());
      NDArray wq = projection(work, p, LoraTarget.Q, q, h, merge, scaling).mul((float) (1 / Math.sqrt(config.headDim())));
      NDArray wk = projection(work, p, LoraTarget.K, kv, h, merge, scaling);
      NDArray wv = projection(work, p, LoraTarget.V, kv, h, merge, scaling);
      NDArray wo = projection(work, p, LoraTarget.O, h, q, merge, scaling);
      NDArray gate = projection(work, p, LoraTarget.GATE, inter, h, merge, scaling);
      NDArray up = projection(work, p, LoraTarget.UP, inter, h, merge, scaling);
      NDArray down = projection(work, p, LoraTarget.DOWN, h, inter, merge, scaling);
      // [in, out] layout: the checkpoint's [out, in] transposed, rows scaled by the norm weight they read.
      NDArray normColumn = inputNorm.reshape(h, 1);
      NDArray qkv = layout.widenRows(NDArrays.concat(new NDList(wq, wk, wv), 0).transpose().mul(normColumn));
      NDArray gateUp = layout.widenRows(NDArrays.concat(new NDList(gate, up), 0).transpose().mul(postNorm.reshape(h, 1)));
      return new LayerWeights(plain(qkv), plain(layout.widenColumns(wo.transpose(), false)), plain(gateUp),
          plain(layout.widenColumns(down.transpose(), false)), finish(inputNorm), finish(postNorm));
    }
  }

  /** A base projection [out, in], with the adapter's update merged in when one is given for it. */
  private NDArray projection(NDManager work, String prefix, LoraTarget t, int out, int in,
                             Map<LoraTarget, LoraPair> merge, float scaling) {
    String block = t == LoraTarget.GATE || t == LoraTarget.UP || t == LoraTarget.DOWN ? "mlp." : "self_attn.";
    NDArray w = tensor(work, prefix + block + t.moduleName() + ".weight", out, in);
    LoraPair pair = merge.get(t);
    if (pair == null) {
      return w;
    }
    return w.add(copy(pair.b(), work).matMul(copy(pair.a(), work)).mul(scaling));
  }

  private MergedTokenTables tokenTables(NDManager work, Optional<StepTokenWeights> stepTokens) {
    String embedName = "model.embed_tokens.weight";
    long rows = source.shape(embedName)[0];
    NDArray embedding = tensor(work, embedName, rows, config.hiddenSize());
    NDArray head = config.tieWordEmbeddings() ? embedding : tensor(work, "lm_head.weight", rows, config.hiddenSize());
    NDArray bias = null;
    if (stepTokens.isPresent()) {
      StepTokenWeights s = stepTokens.get();
      checkStepShape(s.newIn(), s.count(), config.hiddenSize());
      embedding = NDArrays.concat(new NDList(embedding, copy(s.newIn(), work)), 0);
      head = NDArrays.concat(new NDList(head, copy(s.newOutWeight(), work)), 0);
      bias = NDArrays.concat(new NDList(work.zeros(new Shape(rows)), copy(s.newOutBias(), work).reshape(s.count())), 0);
    }
    // The output table is a separate [in, out] copy even when tied: the contiguous layout makes the largest
    // matMul of a decode step about 1.6x faster than reading the embedding transposed.
    NDArray output = layout.widenRows(head.transpose());
    return new MergedTokenTables(finish(layout.widenColumns(embedding, true)), finish(output),
        Optional.ofNullable(bias).map(this::finish), (int) rows);
  }

  private void checkStepShape(NDArray rows, int count, int hidden) {
    if (!Arrays.equals(rows.getShape().getShape(), new long[] {count, hidden})) {
      throw new CheckpointException("step token rows have shape " + rows.getShape() + ", expected [" + count + ", "
          + hidden + "] for this model");
    }
  }

  private List<LayerWeights> unmerged(LlamaWeights weights, LoraAdapter adapter) {
    List<AdapterWeights.LayerUpdates> updates = updates(weights, adapter);
    List<LayerWeights> out = new ArrayList<>();
    for (int l = 0; l < updates.size(); l++) {
      LayerWeights base = weights.layers().get(l);
      AdapterWeights.LayerUpdates u = updates.get(l);
      out.add(base.with(with(base.qkv(), u.qkv()), with(base.output(), u.output()), with(base.gateUp(), u.gateUp()),
          with(base.down(), u.down())));
    }
    return out;
  }

  private static Projection with(Projection p, Optional<LowRank> update) {
    return update.map(p::withLowRank).orElse(p);
  }

  /**
   * What a version adds to base weights loaded without it, for serving many versions over one base: its LoRA factors
   * as unmerged updates of the fused projections and its step-token rows in the stream layout, in {@code target}
   * (its own manager, so the version can be dropped alone) as the base's type.
   */
  public static AdapterWeights adapterWeights(LlamaWeights base, Optional<LoraAdapter> adapter,
                                              Optional<StepTokenWeights> stepTokens, NDManager target) {
    WeightLoader loader = new WeightLoader(base.config(), null, target, base.dtype());
    List<AdapterWeights.LayerUpdates> layers = adapter.map(a -> loader.updates(base, a)).orElse(List.of());
    Optional<AdapterWeights.StepTokenRows> rows = stepTokens.map(s -> loader.stepRows(s));
    return new AdapterWeights(layers, rows);
  }

  private AdapterWeights.StepTokenRows stepRows(StepTokenWeights s) {
    checkStepShape(s.newIn(), s.count(), config.hiddenSize());
    checkStepShape(s.newOutWeight(), s.count(), config.hiddenSize());
    try (NDManager work = NDManager.newBaseManager(Device.cpu())) {
      NDArray input = layout.widenColumns(copy(s.newIn(), work), true);
      NDArray output = layout.widenRows(copy(s.newOutWeight(), work).transpose());
      return new AdapterWeights.StepTokenRows(finish(input), finish(output), finish(copy(s.newOutBias(), work)
          .reshape(s.count())));
    }
  }

  /** The adapter's factors folded for the fused layout (on the CPU), moved to the target. */
  private List<AdapterWeights.LayerUpdates> updates(LlamaWeights weights, LoraAdapter adapter) {
    try (NDManager work = NDManager.newBaseManager(Device.cpu())) {
      List<Map<LoraTarget, LoraPair>> factors = new ArrayList<>();
      for (int l = 0; l < adapter.layerCount(); l++) {
        Map<LoraTarget, LoraPair> m = new EnumMap<>(LoraTarget.class);
        adapter.layer(l).forEach((t, pair) -> m.put(t, new LoraPair(copy(pair.a(), work), copy(pair.b(), work))));
        factors.add(m);
      }
      List<LayerWeights> normsOnCpu = new ArrayList<>();
      for (LayerWeights w : weights.layers()) {
        normsOnCpu.add(new LayerWeights(w.qkv(), w.output(), w.gateUp(), w.down(), copy(w.inputNorm(), work),
            copy(w.postNorm(), work)));
      }
      List<LayerWeights> folded = LoraFolding.attach(weights.with(normsOnCpu, weights.tokens()),
          new LoraAdapter(adapter.settings(), factors), work);
      List<AdapterWeights.LayerUpdates> out = new ArrayList<>();
      for (LayerWeights f : folded) {
        out.add(new AdapterWeights.LayerUpdates(moved(f.qkv()), moved(f.output()), moved(f.gateUp()),
            moved(f.down())));
      }
      return out;
    }
  }

  /**
   * A float32 CPU copy that owns its memory. Not {@code toDevice(cpu, true)}: for an array already on the CPU
   * DJL's PyTorch engine returns a new handle on the same storage — here a loaded file's Java buffer, which is
   * freed once the loading manager closes, while the model would keep reading it.
   */
  private static NDArray copy(NDArray a, NDManager work) {
    NDArray onCpu = a.getDevice().equals(Device.cpu()) ? a.duplicate() : a.toDevice(Device.cpu(), true);
    onCpu.attach(work);
    return onCpu.toType(DataType.FLOAT32, false);
  }

  private Optional<LowRank> moved(Projection folded) {
    return folded.lowRank().map(u -> new LowRank(finish(u.down()), finish(u.up())));
  }

  private NDArray tensor(NDManager work, String name, long... shape) {
    long[] actual = source.shape(name);
    if (!Arrays.equals(actual, shape)) {
      throw new CheckpointException(source.describe() + ": tensor '" + name + "' has shape " + Arrays.toString(actual)
          + " but config.json implies " + Arrays.toString(shape));
    }
    return source.load(name, work);
  }

  private Projection plain(NDArray weight) {
    return new Projection(finish(weight), Optional.empty());
  }

  /** Converts a finished array to the target type and device and hands it to the target manager. */
  private NDArray finish(NDArray a) {
    NDArray converted = a.toType(dtype, false).toDevice(target.getDevice(), false);
    converted.attach(target);
    return converted;
  }
}
