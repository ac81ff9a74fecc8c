package io.memreason.llm.weights;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
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
import io.memreason.llm.model.ProjectionBiases;
import io.memreason.llm.model.StreamLayout;
import io.memreason.llm.safetensors.TensorSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Builds {@link LlamaWeights} from a checkpoint's Hugging Face tensors: checks every shape against
 * config.json, merges a LoRA adapter into the base matrices or keeps it as separate low-rank updates, appends
 * step-token rows to the vocabulary tables, and rearranges everything into the forward pass's layout (fused,
 * norm-folded, [in, out] contiguous, see {@link StreamLayout}). Work happens on the CPU in float32, one layer at
 * a time; each finished array is converted to the target type and moved to the target device.
 *
 * <p>Checkpoints of many gigabytes stream through: each tensor is read block by block straight into the array it
 * is fused into ({@link TensorSource#loadRows}) and transposed into its final layout once; the layers'
 * temporaries are reused from layer to layer, and the largest temporary is one vocabulary table. Loading
 * therefore peaks at the loaded weights plus about one tensor ({@code bench load} measures it).
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
  /** While the layers load: their temporaries. */
  private Scratch scratch;

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
    refuseUndeclaredBiases();
    Optional<LoraAdapter> merged = adapter.filter(a -> mode == LoraMode.MERGED);
    List<LayerWeights> layers = new ArrayList<>();
    float scaling = merged.map(a -> (float) a.settings().scaling()).orElse(0f);
    try (Scratch reused = new Scratch()) {
      scratch = reused;
      for (int l = 0; l < config.layers(); l++) {
        layers.add(layer(l, merged.isPresent() ? merged.get().layer(l) : Map.of(), scaling));
      }
    } finally {
      scratch = null;
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
    ProjectionBiases biases = config.biases();
    try (NDManager work = NDManager.newBaseManager(Device.cpu())) {
      NDArray inputNorm = tensor(work, p + "input_layernorm.weight", h).mul(layout.normScale());
      NDArray postNorm = tensor(work, p + "post_attention_layernorm.weight", h).mul(layout.normScale());
      NDArray qkv = readingStream(work, l, QKV, inputNorm, merge, scaling);
      NDArray gateUp = readingStream(work, l, GATE_UP, postNorm, merge, scaling);
      NDArray output = writingStream(work, l, LoraTarget.O, merge, scaling);
      NDArray down = writingStream(work, l, LoraTarget.DOWN, merge, scaling);
      // A bias is [out] in the same fused order; the query part carries the query scale like its weights.
      Optional<NDArray> qkvBias = !biases.queryKeyValue() ? Optional.empty() : Optional.of(NDArrays.concat(new NDList(
          bias(work, l, LoraTarget.Q).mul(queryScale()), bias(work, l, LoraTarget.K), bias(work, l, LoraTarget.V))));
      Optional<NDArray> outputBias = !biases.output() ? Optional.empty()
          : Optional.of(layout.widenVector(bias(work, l, LoraTarget.O)));
      Optional<NDArray> gateUpBias = !biases.mlp() ? Optional.empty() : Optional.of(NDArrays.concat(new NDList(
          bias(work, l, LoraTarget.GATE), bias(work, l, LoraTarget.UP))));
      Optional<NDArray> downBias = !biases.mlp() ? Optional.empty()
          : Optional.of(layout.widenVector(bias(work, l, LoraTarget.DOWN)));
      return new LayerWeights(projection(qkv, qkvBias), projection(output, outputBias), projection(gateUp, gateUpBias),
          projection(down, downBias), finish(inputNorm), finish(postNorm));
    }
  }

  private static final LoraTarget[] QKV = {LoraTarget.Q, LoraTarget.K, LoraTarget.V};
  private static final LoraTarget[] GATE_UP = {LoraTarget.GATE, LoraTarget.UP};

  private float queryScale() {
    return (float) (1 / Math.sqrt(config.headDim()));
  }

  /**
   * Projections that read the normalised stream, fused into one [width, Σ out] matrix: the parts' [out, hidden]
   * weights are read straight into one stacked array (LoRA merged in place), the queries scaled by 1/sqrt(head_dim),
   * then transposed once into the result, whose rows are scaled by the norm weight and zero at the stream's
   * constant and padding.
   */
  private NDArray readingStream(NDManager work, int layer, LoraTarget[] parts, NDArray norm,
                                Map<LoraTarget, LoraPair> merge, float scaling) {
    int h = config.hiddenSize();
    long total = Arrays.stream(parts).mapToLong(t -> t.outFeatures(config)).sum();
    NDArray fused = work.create(new Shape(layout.width(), total), DataType.FLOAT32);
    NDArray stacked = scratch.get(parts[0] + " stacked", new Shape(total, h));
    long row = 0;
    for (LoraTarget t : parts) {
      int out = t.outFeatures(config);
      read(layer, t, stacked, row, merge, scaling);
      if (t == LoraTarget.Q) {
        try (NDArray queries = stacked.get(rows(row, row + out))) {
          queries.muli(queryScale());
        }
      }
      row += out;
    }
    fused.set(rows(0, h), stacked.transpose());
    fused.set(rows(h, layout.width()), 0f);
    try (NDArray read = fused.get(rows(0, h)); NDArray column = norm.reshape(h, 1)) {
      read.muli(column);
    }
    return fused;
  }

  /**
   * A projection that writes the stream, [in, width]: its [hidden, in] weight read (LoRA merged in place),
   * transposed into contiguous rows, then widened with zero columns at the constant and padding.
   */
  private NDArray writingStream(NDManager work, int layer, LoraTarget t, Map<LoraTarget, LoraPair> merge,
                                float scaling) {
    int h = config.hiddenSize();
    int in = t.inFeatures(config);
    NDArray widened = work.create(new Shape(in, layout.width()), DataType.FLOAT32);
    NDArray w = scratch.get(t + " weight", new Shape(h, in));
    NDArray transposed = scratch.get(t + " transposed", new Shape(in, h));
    read(layer, t, w, 0, merge, scaling);
    transposed.set(new NDIndex().addAllDim(), w.transpose());
    widened.set(new NDIndex().addAllDim().addSliceDim(0, h), transposed);
    widened.set(new NDIndex().addAllDim().addSliceDim(h, layout.width()), 0f);
    return widened;
  }

  /**
   * Arrays reused from layer to layer, whose shapes they share: a fresh array of that size would be new memory for
   * the system to map page by page for every layer, which costs more than filling it.
   */
  private static final class Scratch implements AutoCloseable {
    private final NDManager manager = NDManager.newBaseManager(Device.cpu());
    private final Map<String, NDArray> arrays = new HashMap<>();

    /** The float32 array kept for {@code purpose}, of this shape (its contents are whatever was written last). */
    NDArray get(String purpose, Shape shape) {
      NDArray a = arrays.get(purpose);
      if (a == null || !a.getShape().equals(shape)) {
        if (a != null) {
          a.close();
        }
        a = manager.create(shape, DataType.FLOAT32);
        arrays.put(purpose, a);
      }
      return a;
    }

    @Override
    public void close() {
      manager.close();
    }
  }

  /**
   * Reads a base projection [out, in] into rows {@code [row, row + out)} of {@code into}, with the adapter's
   * update merged in when one is given for it.
   */
  private void read(int layer, LoraTarget t, NDArray into, long row, Map<LoraTarget, LoraPair> merge, float scaling) {
    String name = t.modulePath(layer) + ".weight";
    int out = t.outFeatures(config);
    checkShape(name, out, t.inFeatures(config));
    source.loadRows(name, into, row);
    LoraPair pair = merge.get(t);
    if (pair != null) {
      NDManager work = into.getManager();
      try (NDArray rows = into.get(rows(row, row + out)); NDArray b = copy(pair.b(), work); NDArray a = copy(pair.a(), work);
           NDArray update = b.matMul(a)) {
        rows.addi(update.muli(scaling));
      }
    }
  }

  private static NDIndex rows(long from, long to) {
    return new NDIndex().addSliceDim(from, to);
  }

  /** Which projections config.json gives a bias. */
  private boolean biased(LoraTarget t) {
    ProjectionBiases b = config.biases();
    return switch (t) {
      case Q, K, V -> b.queryKeyValue();
      case O -> b.output();
      case GATE, UP, DOWN -> b.mlp();
    };
  }

  /** A bias in the file that config.json does not declare would be ignored silently: refuse it instead. */
  private void refuseUndeclaredBiases() {
    for (int l = 0; l < config.layers(); l++) {
      for (LoraTarget t : LoraTarget.values()) {
        String name = t.modulePath(l) + ".bias";
        if (!biased(t) && source.contains(name)) {
          throw new CheckpointException(source.describe() + " has the bias '" + name + "', which config.json (model_type "
              + config.family().modelType() + ") does not declare, so it would be ignored; fix config.json");
        }
      }
    }
  }

  /** A projection's bias [out]: LoRA leaves it as it is. */
  private NDArray bias(NDManager work, int layer, LoraTarget t) {
    return tensor(work, t.modulePath(layer) + ".bias", t.outFeatures(config));
  }

  /**
   * The vocabulary's two tables, [V + n, width] in and [width, V + n] out, with the n step tokens' rows after the
   * base ones. The largest tensors of a checkpoint, so each is built with one stacked [V + n, hidden] array at a
   * time (a tied model's serves both): loading takes at most one of them beyond the tables themselves.
   */
  private MergedTokenTables tokenTables(NDManager work, Optional<StepTokenWeights> stepTokens) {
    String embedName = "model.embed_tokens.weight";
    int h = config.hiddenSize();
    long rows = source.shape(embedName)[0];
    checkShape(embedName, rows, h);
    int n = stepTokens.map(StepTokenWeights::count).orElse(0);
    stepTokens.ifPresent(s -> checkStepShape(s.newIn(), s.count(), h));
    NDArray stacked = work.create(new Shape(rows + n, h), DataType.FLOAT32);
    source.loadRows(embedName, stacked, 0);
    stepTokens.ifPresent(s -> stacked.set(rows(rows, rows + n), copy(s.newIn(), work)));
    NDArray input = work.create(new Shape(rows + n, layout.width()), DataType.FLOAT32);
    input.set(new NDIndex().addAllDim().addSliceDim(0, h), stacked);
    input.set(new NDIndex().addAllDim().addSliceDim(h, h + 1), layout.normConstant());
    input.set(new NDIndex().addAllDim().addSliceDim(h + 1, layout.width()), 0f);
    NDArray head = stacked;
    if (!config.tieWordEmbeddings()) {
      stacked.close();
      checkShape("lm_head.weight", rows, h);
      head = work.create(new Shape(rows + n, h), DataType.FLOAT32);
      source.loadRows("lm_head.weight", head, 0);
    }
    NDArray heads = head;
    stepTokens.ifPresent(s -> heads.set(rows(rows, rows + n), copy(s.newOutWeight(), work)));
    // The output table is a separate [in, out] copy even when tied: the contiguous layout makes the largest
    // matMul of a decode step about 1.6x faster than reading the embedding transposed.
    NDArray output = work.create(new Shape(layout.width(), rows + n), DataType.FLOAT32);
    output.set(rows(0, h), head.transpose());
    head.close();
    output.set(rows(h, layout.width()), 0f);
    Optional<NDArray> bias = stepTokens.map(s -> NDArrays.concat(new NDList(work.zeros(new Shape(rows)),
        copy(s.newOutBias(), work).reshape(s.count())), 0));
    return new MergedTokenTables(finish(input), finish(output), bias.map(this::finish), (int) rows);
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
    checkShape(name, shape);
    return source.load(name, work);
  }

  private void checkShape(String name, long... shape) {
    long[] actual = source.shape(name);
    if (!Arrays.equals(actual, shape)) {
      throw new CheckpointException(source.describe() + ": tensor '" + name + "' has shape " + Arrays.toString(actual)
          + " but config.json implies " + Arrays.toString(shape));
    }
  }

  private Projection projection(NDArray weight, Optional<NDArray> bias) {
    return new Projection(finish(weight), bias.map(this::finish));
  }

  /** Converts a finished array to the target type and device and hands it to the target manager. */
  private NDArray finish(NDArray a) {
    NDArray converted = a.toType(dtype, false).toDevice(target.getDevice(), false);
    converted.attach(target);
    return converted;
  }
}
