package io.memreason.llm;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.memreason.llm.adapter.LoraAdapter;
import io.memreason.llm.adapter.StepTokenVocabulary;
import io.memreason.llm.adapter.StepTokenWeights;
import io.memreason.llm.model.AdapterWeights;
import io.memreason.llm.model.GenerationDefaults;
import io.memreason.llm.model.LlamaConfig;
import io.memreason.llm.model.LlamaModel;
import io.memreason.llm.model.LlamaWeights;
import io.memreason.llm.model.RotaryEmbedding;
import io.memreason.llm.safetensors.SafetensorsCheckpoint;
import io.memreason.llm.safetensors.TensorSource;
import io.memreason.llm.tokenizer.TextTokenizer;
import io.memreason.llm.weights.WeightLoader;
import io.memreason.llm.weights.WeightLoader.LoraMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A Llama-family checkpoint loaded for inference: the model (read-only weights, shared by every worker
 * thread), its tokenizer, its recommended decoding and its step tokens. Owns the native memory of the weights
 * until closed. On a CPU the weights are float32; on a GPU float16 (that path cannot be exercised on the
 * development machines, which have no GPU; its float16 arithmetic is tested on the CPU).
 */
public final class LanguageModel implements AutoCloseable {

  /**
   * How to load a checkpoint.
   *
   * @param adapterDir a PEFT LoRA adapter folder (may also hold the step tokens)
   * @param maxSequenceLength the longest sequence (prompt plus generation) the model will run
   * @param dtype of weights and activations: FLOAT32 on a CPU (float16 matrix products are hundreds of times
   *     slower there), FLOAT16 on a GPU
   */
  public record LoadOptions(Optional<Path> adapterDir, LoraMode loraMode, int maxSequenceLength, Device device,
                            DataType dtype) {

    /** No adapter, on the CPU, in float32. */
    public static LoadOptions cpu(int maxSequenceLength) {
      return on(Device.cpu(), maxSequenceLength);
    }

    /** No adapter, on the device, in its natural precision (float16 on a GPU, float32 on a CPU). */
    public static LoadOptions on(Device device, int maxSequenceLength) {
      return new LoadOptions(Optional.empty(), LoraMode.MERGED, maxSequenceLength, device,
          device.isGpu() ? DataType.FLOAT16 : DataType.FLOAT32);
    }

    public LoadOptions withAdapter(Path dir, LoraMode mode) {
      return new LoadOptions(Optional.of(dir), mode, maxSequenceLength, device, dtype);
    }

    public LoadOptions withDtype(DataType type) {
      return new LoadOptions(adapterDir, loraMode, maxSequenceLength, device, type);
    }
  }

  private final NDManager manager;
  private final LlamaModel model;
  private final GenerationDefaults defaults;
  private final Optional<TextTokenizer> tokenizer;
  private final Optional<StepTokenVocabulary> stepTokens;
  private final String description;
  private final Device device;
  /** The folder a base loaded with {@link #loadBase} came from: versions are adapted from it. */
  private final Optional<Path> baseDir;

  private LanguageModel(NDManager manager, LlamaModel model, GenerationDefaults defaults,
                        Optional<TextTokenizer> tokenizer, Optional<StepTokenVocabulary> stepTokens,
                        String description) {
    this(manager, model, defaults, tokenizer, stepTokens, description, Optional.empty());
  }

  private LanguageModel(NDManager manager, LlamaModel model, GenerationDefaults defaults,
                        Optional<TextTokenizer> tokenizer, Optional<StepTokenVocabulary> stepTokens,
                        String description, Optional<Path> baseDir) {
    this.baseDir = baseDir;
    this.manager = manager;
    this.model = model;
    this.defaults = defaults;
    this.tokenizer = tokenizer;
    this.stepTokens = stepTokens;
    this.description = description;
    this.device = manager.getDevice();
  }

  /**
   * Loads a Hugging Face model folder: config.json, safetensors weights (single or sharded), the optional
   * generation_config.json and tokenizer.json, and step tokens from the adapter folder or else the model folder. An
   * adapter folder that has its own tokenizer.json (a checkpoint saved with its tokenizer) brings the tokenizer too.
   */
  public static LanguageModel load(Path modelDir, LoadOptions options) {
    if (!Files.isDirectory(modelDir)) {
      throw new CheckpointException("model folder " + modelDir + " does not exist");
    }
    LlamaConfig config = LlamaConfig.read(modelDir);
    GenerationDefaults defaults = GenerationDefaults.read(modelDir, config);
    NDManager manager = NDManager.newBaseManager(options.device());
    try (NDManager staging = NDManager.newBaseManager(Device.cpu());
         SafetensorsCheckpoint tensors = SafetensorsCheckpoint.openFolder(modelDir)) {
      Optional<LoraAdapter> adapter = options.adapterDir().map(dir -> LoraAdapter.read(dir, config, staging));
      Optional<StepTokenWeights> stepTokens = StepTokenWeights.find(config.hiddenSize(), staging,
          options.adapterDir().orElse(null), modelDir);
      LlamaModel model = build(config, tensors, adapter, options, stepTokens, manager);
      Optional<StepTokenVocabulary> vocabulary = stepTokens.map(StepTokenWeights::vocabulary);
      Path tokenizerDir = TextTokenizer.folder(options.adapterDir(), modelDir);
      Optional<TextTokenizer> tokenizer = Files.isRegularFile(tokenizerDir.resolve("tokenizer.json"))
          ? Optional.of(TextTokenizer.forModel(tokenizerDir, config.bosTokenId(), model.weights().tokens().baseRows(),
              vocabulary.map(StepTokenVocabulary::tokens).orElse(List.of())))
          : Optional.empty();
      String description = modelDir + options.adapterDir().map(a -> " + " + a).orElse("");
      return new LanguageModel(manager, model, defaults, tokenizer, vocabulary, description);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /**
   * Loads a model folder's base weights only (no adapter, no step tokens), for serving many versions over it: each
   * version then adds its own parts with {@link #adapt}. The folder's tokenizer, if any, is kept for prompts without
   * step tokens.
   */
  public static LanguageModel loadBase(Path modelDir, LoadOptions options) {
    if (!Files.isDirectory(modelDir)) {
      throw new CheckpointException("model folder " + modelDir + " does not exist");
    }
    LlamaConfig config = LlamaConfig.read(modelDir);
    GenerationDefaults defaults = GenerationDefaults.read(modelDir, config);
    NDManager manager = NDManager.newBaseManager(options.device());
    try (SafetensorsCheckpoint tensors = SafetensorsCheckpoint.openFolder(modelDir)) {
      LlamaModel model = build(config, tensors, Optional.empty(), options, Optional.empty(), manager);
      Optional<TextTokenizer> tokenizer = Files.isRegularFile(modelDir.resolve("tokenizer.json"))
          ? Optional.of(TextTokenizer.load(modelDir, config.bosTokenId(), model.weights().tokens().baseRows(),
              List.of()))
          : Optional.empty();
      return new LanguageModel(manager, model, defaults, tokenizer, Optional.empty(), modelDir + " (base)",
          Optional.of(modelDir));
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /**
   * Loads one version over this base (which {@link #loadBase} loaded): the LoRA factors of {@code adapterDir} when it
   * holds an adapter (kept unmerged), the step tokens of {@code adapterDir} or else of the base folder, and the
   * tokenizer of {@code adapterDir} when it has one, else the base folder's. Only these parts take new memory; the
   * base's weights are shared. Safe to call while the base serves other versions.
   */
  public ModelAdapter adapt(Optional<Path> adapterDir) {
    Path modelDir = baseDir.orElseThrow(() -> new IllegalStateException(description
        + " was not loaded as a base (LanguageModel.loadBase): it cannot take versions from folders"));
    LlamaConfig config = model.config();
    try (NDManager staging = NDManager.newBaseManager(Device.cpu())) {
      Optional<LoraAdapter> lora = adapterDir.filter(dir -> Files.isRegularFile(dir.resolve(LoraAdapter.CONFIG_FILE)))
          .map(dir -> LoraAdapter.read(dir, config, staging));
      Optional<StepTokenWeights> steps = StepTokenWeights.find(config.hiddenSize(), staging, adapterDir.orElse(null),
          modelDir);
      Path tokenizerDir = TextTokenizer.folder(adapterDir, modelDir);
      Optional<TextTokenizer> tokenizer = Files.isRegularFile(tokenizerDir.resolve("tokenizer.json"))
          ? Optional.of(TextTokenizer.load(tokenizerDir, config.bosTokenId(), firstStepTokenId(),
              steps.map(s -> s.vocabulary().tokens()).orElse(List.of())))
          : Optional.empty();
      try {
        return adapt(lora, steps, tokenizer, modelDir + adapterDir.map(a -> " + " + a).orElse(""));
      } catch (RuntimeException e) {
        tokenizer.ifPresent(TextTokenizer::close);
        throw e;
      }
    }
  }

  /**
   * One version over this base from factors and step tokens in memory (e.g. random ones for a benchmark), with the
   * given tokenizer (which the version then owns).
   */
  public ModelAdapter adapt(Optional<LoraAdapter> lora, Optional<StepTokenWeights> steps,
                            Optional<TextTokenizer> tokenizer, String name) {
    if (model.weights().tokens().vocabularySize() != firstStepTokenId()) {
      throw new IllegalStateException(description + " has step tokens of its own: load the base with "
          + "LanguageModel.loadBase to serve versions over it");
    }
    NDManager versionManager = NDManager.newBaseManager(device);
    try {
      AdapterWeights weights = WeightLoader.adapterWeights(model.weights(), lora, steps, versionManager);
      return new ModelAdapter(versionManager, weights, tokenizer, steps.map(StepTokenWeights::vocabulary),
          firstStepTokenId(), name);
    } catch (RuntimeException e) {
      versionManager.close();
      throw e;
    }
  }

  /** A model from tensors in memory (e.g. random weights for a benchmark), without tokenizer or step tokens. */
  public static LanguageModel fromTensors(LlamaConfig config, TensorSource tensors, LoadOptions options) {
    NDManager manager = NDManager.newBaseManager(options.device());
    try {
      LlamaModel model = build(config, tensors, Optional.empty(), options, Optional.empty(), manager);
      return new LanguageModel(manager, model, new GenerationDefaults(false, 1f, 1f, 0, config.eosTokenIds()),
          Optional.empty(), Optional.empty(), tensors.describe());
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  private static LlamaModel build(LlamaConfig config, TensorSource tensors, Optional<LoraAdapter> adapter,
                                  LoadOptions options, Optional<StepTokenWeights> stepTokens, NDManager manager) {
    DataType dtype = options.dtype();
    LlamaWeights weights = WeightLoader.load(config, tensors, adapter, options.loraMode(), stepTokens, manager, dtype);
    return new LlamaModel(weights, new RotaryEmbedding(config, options.maxSequenceLength(), manager, dtype));
  }

  /**
   * The device for an {@code engine.device} setting: {@code cpu}, {@code gpu} (fails without one) or
   * {@code auto} (the first GPU if there is one).
   */
  public static Device device(String setting) {
    int gpus = Engine.getInstance().getGpuCount();
    return switch (setting) {
      case "cpu" -> Device.cpu();
      case "gpu" -> {
        if (gpus == 0) {
          throw new IllegalStateException("engine.device=gpu but PyTorch sees no GPU: use cpu or auto");
        }
        yield Device.gpu();
      }
      case "auto" -> gpus > 0 ? Device.gpu() : Device.cpu();
      default -> throw new IllegalArgumentException("engine.device must be cpu, gpu or auto, not " + setting);
    };
  }

  public LlamaModel model() {
    return model;
  }

  /** Where the weights live. */
  public Device device() {
    return device;
  }

  public LlamaConfig config() {
    return model.config();
  }

  public GenerationDefaults defaults() {
    return defaults;
  }

  public boolean hasTokenizer() {
    return tokenizer.isPresent();
  }

  /** The tokenizer; fails for a checkpoint folder without tokenizer.json. */
  public TextTokenizer tokenizer() {
    return tokenizer.orElseThrow(() -> new CheckpointException(description + " has no tokenizer.json"));
  }

  /** The step tokens this model was fine-tuned with, if any. */
  public Optional<StepTokenVocabulary> stepTokens() {
    return stepTokens;
  }

  /** Id of the first step token (the base embedding's row count). */
  public int firstStepTokenId() {
    return model.weights().tokens().baseRows();
  }

  /** Native arrays the model holds (its weights and tables): constant once loaded; for monitoring leaks. */
  public int nativeArrayCount() {
    return manager.getManagedArrays().size();
  }

  /** Bytes of the native arrays the model holds (weights, vocabulary and rotary tables). */
  public long nativeBytes() {
    return manager.getManagedArrays().stream()
        .mapToLong(a -> a.getShape().size() * a.getDataType().getNumOfBytes()).sum();
  }

  @Override
  public String toString() {
    return description;
  }

  @Override
  public void close() {
    tokenizer.ifPresent(TextTokenizer::close);
    manager.close();
  }
}
