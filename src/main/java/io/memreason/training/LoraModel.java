package io.memreason.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.memreason.llm.CheckpointException;
import io.memreason.llm.LanguageModel;
import io.memreason.llm.LanguageModel.LoadOptions;
import io.memreason.llm.adapter.LoraAdapter;
import io.memreason.llm.adapter.LoraPair;
import io.memreason.llm.adapter.LoraTarget;
import io.memreason.llm.adapter.StepTokenVocabulary;
import io.memreason.reasoning.StepTokens;
import io.memreason.llm.adapter.StepTokenWeights;
import io.memreason.llm.model.LayerWeights;
import io.memreason.llm.model.LlamaConfig;
import io.memreason.llm.model.LlamaModel;
import io.memreason.llm.model.LlamaWeights;
import io.memreason.llm.model.MergedTokenTables;
import io.memreason.llm.model.Projection;
import io.memreason.llm.model.RotaryEmbedding;
import io.memreason.llm.safetensors.SafetensorsCheckpoint;
import io.memreason.llm.safetensors.TensorSource;
import io.memreason.llm.weights.LoraFolding;
import io.memreason.llm.weights.WeightLoader;
import io.memreason.llm.weights.WeightLoader.LoraMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * LoRA plus prompt tuning, as the paper fine-tunes: a frozen base model, trainable LoRA factors on the chosen
 * projections of every layer (A Kaiming-uniform with a = sqrt 5, B zero, as PEFT initialises them) and trainable
 * step-token rows. Each step folds the factors into the forward pass's layout ({@link LoraFolding}), so the
 * gradients reach the PEFT-layout factors that are saved.
 */
public final class LoraModel implements TrainableModel {
  private final NDManager manager;
  private final Optional<Path> baseDir;
  private final String description;
  private final LlamaModel base;
  private final MergedTokenTables baseTables;
  private final LoraAdapter.Settings loraSettings;
  private final List<Map<LoraTarget, LoraPair>> factors;
  private final float dropout;
  private final TrainableStepTokens stepTokens;

  private LoraModel(NDManager manager, Optional<Path> baseDir, String description, LlamaModel base,
                    LoraAdapter.Settings loraSettings, List<Map<LoraTarget, LoraPair>> factors, float dropout,
                    TrainableStepTokens stepTokens) {
    this.manager = manager;
    this.baseDir = baseDir;
    this.description = description;
    this.base = base;
    if (!(base.weights().tokens() instanceof MergedTokenTables tables)) {
      throw new IllegalStateException("the base model's token tables must be loaded merged");
    }
    this.baseTables = tables;
    this.loraSettings = loraSettings;
    this.factors = factors;
    this.dropout = dropout;
    this.stepTokens = stepTokens;
  }

  /**
   * A base model folder prepared for LoRA training. The step-token rows continue from the base folder's
   * {@code step_tokens.*} when it has them (a model that already learned its step tokens), else start from the
   * bare words' rows with the settings' P and S.
   *
   * @param resume a checkpoint folder to continue from: its adapter and step tokens replace the fresh ones
   */
  public static LoraModel open(Path baseDir, TrainingSettings settings, Optional<Path> resume, DataType dtype,
                               int maxPositions) {
    LlamaConfig config = LlamaConfig.read(baseDir);
    try (NDManager staging = NDManager.newBaseManager(Device.cpu());
         SafetensorsCheckpoint tensors = SafetensorsCheckpoint.openFolder(baseDir)) {
      Optional<StepTokenWeights> saved = StepTokenWeights.find(config.hiddenSize(), staging, resume.orElse(null), baseDir);
      Optional<LoraAdapter> adapter = resume.map(dir -> LoraAdapter.read(dir, config, staging));
      return create(config, tensors, Optional.of(baseDir), baseDir.toString(), TokenizerVocabulary.read(baseDir),
          saved, adapter, settings, dtype, maxPositions);
    }
  }

  /**
   * A model from base tensors in memory or on disk.
   *
   * @param savedStepTokens rows to continue from; empty = initialise from the bare words' rows
   * @param savedAdapter factors to continue from; empty = fresh factors
   */
  public static LoraModel create(LlamaConfig config, TensorSource tensors, Optional<Path> baseDir, String description,
                                 TokenizerVocabulary words, Optional<StepTokenWeights> savedStepTokens,
                                 Optional<LoraAdapter> savedAdapter, TrainingSettings settings, DataType dtype,
                                 int maxPositions) {
    NDManager manager = NDManager.newBaseManager(Device.cpu());
    try {
      LlamaWeights weights = WeightLoader.load(config, tensors, Optional.empty(), LoraMode.MERGED, Optional.empty(),
          manager, dtype);
      LlamaModel base = new LlamaModel(weights, new RotaryEmbedding(config, maxPositions, manager, dtype));
      TrainingSettings.Lora lora = settings.lora();
      LoraAdapter.Settings loraSettings = new LoraAdapter.Settings(lora.rank(), lora.alpha(), false, lora.dropout(),
          lora.targets().modules());
      List<Map<LoraTarget, LoraPair>> factors = savedAdapter.isPresent()
          ? continued(savedAdapter.get(), loraSettings, manager, dtype)
          : fresh(config, lora, settings.seed(), manager, dtype);
      TrainableStepTokens rows = savedStepTokens.isPresent()
          ? TrainableStepTokens.continueFrom(savedStepTokens.get(), manager, dtype)
          : initialRows(config, tensors, words, settings, manager, dtype);
      return new LoraModel(manager, baseDir, description, base, loraSettings, factors, lora.dropout(), rows);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  private static TrainableStepTokens initialRows(LlamaConfig config, TensorSource tensors, TokenizerVocabulary words,
                                                 TrainingSettings settings, NDManager manager, DataType dtype) {
    try (NDManager work = NDManager.newBaseManager(Device.cpu())) {
      NDArray embedding = tensors.load("model.embed_tokens.weight", work);
      NDArray head = config.tieWordEmbeddings() ? embedding : tensors.load("lm_head.weight", work);
      return TrainableStepTokens.initialise(
          StepTokens.of(settings.prefixTokens(), settings.tokensPerKind()).vocabulary(), embedding, head, words,
          settings.seed(), manager, dtype);
    }
  }

  /** PEFT's initialisation: A ~ U(±1/sqrt(in)) (Kaiming-uniform with a = sqrt 5), B = 0. */
  private static List<Map<LoraTarget, LoraPair>> fresh(LlamaConfig config, TrainingSettings.Lora lora, long seed,
                                                      NDManager manager, DataType dtype) {
    List<Map<LoraTarget, LoraPair>> layers = new ArrayList<>();
    for (int l = 0; l < config.layers(); l++) {
      Map<LoraTarget, LoraPair> layer = new EnumMap<>(LoraTarget.class);
      for (LoraTarget t : lora.targets().projections()) {
        int in = t.inFeatures(config);
        int out = t.outFeatures(config);
        SplittableRandom random = new SplittableRandom(seed * 1_000_003L + t.tensorName(l, true).hashCode());
        double bound = 1 / Math.sqrt(in);
        float[] a = new float[lora.rank() * in];
        for (int i = 0; i < a.length; i++) {
          a[i] = (float) (bound * (2 * random.nextDouble() - 1));
        }
        layer.put(t, new LoraPair(trainable(manager.create(a, new Shape(lora.rank(), in)), dtype),
            trainable(manager.zeros(new Shape(out, lora.rank())), dtype)));
      }
      layers.add(layer);
    }
    return layers;
  }

  private static List<Map<LoraTarget, LoraPair>> continued(LoraAdapter saved, LoraAdapter.Settings settings,
                                                          NDManager manager, DataType dtype) {
    if (saved.settings().rank() != settings.rank() || !saved.settings().targets().equals(settings.targets())) {
      throw new CheckpointException("the adapter to continue from has r=" + saved.settings().rank() + " on "
          + saved.settings().targets() + ", but this run asks for r=" + settings.rank() + " on " + settings.targets());
    }
    List<Map<LoraTarget, LoraPair>> layers = new ArrayList<>();
    for (int l = 0; l < saved.layerCount(); l++) {
      Map<LoraTarget, LoraPair> layer = new EnumMap<>(LoraTarget.class);
      saved.layer(l).forEach((t, pair) -> layer.put(t, new LoraPair(trainable(copy(pair.a(), manager), dtype),
          trainable(copy(pair.b(), manager), dtype))));
      layers.add(layer);
    }
    return layers;
  }

  private static NDArray copy(NDArray a, NDManager manager) {
    NDArray c = a.duplicate();
    c.attach(manager);
    return c;
  }

  private static NDArray trainable(NDArray a, DataType dtype) {
    NDArray typed = a;
    if (a.getDataType() != dtype) {
      try (a) {
        typed = a.toType(dtype, false);
      }
    }
    typed.setRequiresGradient(true);
    return typed;
  }

  @Override
  public LlamaConfig config() {
    return base.config();
  }

  @Override
  public StepTokenVocabulary stepTokens() {
    return stepTokens.vocabulary();
  }

  @Override
  public int firstStepTokenId() {
    return base.weights().tokens().baseRows();
  }

  @Override
  public List<TrainableParameter> parameters() {
    List<TrainableParameter> all = new ArrayList<>();
    for (int l = 0; l < factors.size(); l++) {
      for (Map.Entry<LoraTarget, LoraPair> e : factors.get(l).entrySet()) {
        all.add(new TrainableParameter(e.getKey().tensorName(l, true), e.getValue().a()));
        all.add(new TrainableParameter(e.getKey().tensorName(l, false), e.getValue().b()));
      }
    }
    all.addAll(stepTokens.parameters());
    return all;
  }

  @Override
  public LlamaModel forStep(NDManager stepManager, boolean training) {
    List<LayerWeights> layers = LoraFolding.attach(base.weights(), new LoraAdapter(loraSettings, factors), stepManager);
    if (training && dropout > 0) {
      layers = layers.stream().map(w -> w.with(withDropout(w.qkv()), withDropout(w.output()),
          withDropout(w.gateUp()), withDropout(w.down()))).toList();
    }
    return base.withWeights(base.weights().with(layers,
        stepTokens.tables(baseTables.input(), baseTables.output(), base.weights().layout())));
  }

  private Projection withDropout(Projection p) {
    return p.lowRank().map(u -> p.withLowRank(u.withInputDropout(dropout))).orElse(p);
  }

  @Override
  public void save(Path dir) {
    new LoraAdapter(loraSettings, factors).write(dir, description);
    stepTokens.current().write(dir);
  }

  @Override
  public LanguageModel loadSaved(Path dir, int maxSequenceLength) {
    Path folder = baseDir.orElseThrow(() -> new IllegalStateException(
        "a model built from tensors in memory (" + description + ") cannot be loaded for generation"));
    return LanguageModel.load(folder, LoadOptions.cpu(maxSequenceLength).withAdapter(dir, LoraMode.MERGED));
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public void close() {
    manager.close();
  }
}
