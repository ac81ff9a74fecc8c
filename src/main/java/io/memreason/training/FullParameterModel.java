package io.memreason.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import io.memreason.llm.CheckpointException;
import io.memreason.llm.LanguageModel;
import io.memreason.llm.LanguageModel.LoadOptions;
import io.memreason.llm.adapter.StepTokenVocabulary;
import io.memreason.reasoning.StepTokens;
import io.memreason.llm.adapter.StepTokenWeights;
import io.memreason.llm.model.LayerWeights;
import io.memreason.llm.model.LlamaConfig;
import io.memreason.llm.model.LlamaModel;
import io.memreason.llm.model.LlamaWeights;
import io.memreason.llm.model.Projection;
import io.memreason.llm.model.ProjectionBiases;
import io.memreason.llm.model.RotaryEmbedding;
import io.memreason.llm.model.StreamLayout;
import io.memreason.llm.safetensors.Dtype;
import io.memreason.llm.safetensors.SafetensorsCheckpoint;
import io.memreason.llm.safetensors.SafetensorsWriter;
import io.memreason.llm.safetensors.TensorSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every parameter trained, e.g. a tiny model from scratch: the Hugging Face tensors themselves are the parameters,
 * and each step folds them into the forward pass's layout the way {@code WeightLoader} does at load time (fused
 * projections, RMSNorm weights and the query scale folded in, stream padding, see {@link StreamLayout}), with
 * differentiable ops and persistent constants only, so gradients reach every tensor that is saved (biases included). The step tokens'
 * rows train alongside (their bias stays frozen). Saved as a whole Hugging Face folder plus step tokens.
 */
public final class FullParameterModel implements TrainableModel {
  private final NDManager manager;
  private final LlamaConfig config;
  private final StreamLayout layout;
  private final RotaryEmbedding rope;
  private final DataType dtype;
  private final Map<String, NDArray> tensors;
  private final TrainableStepTokens stepTokens;
  private final Path tokenizerDir;
  private final String description;
  /** sqrt(hidden): torch's normalize times this is RMSNorm. */
  private final NDArray normScale;
  /** 1/sqrt(head_dim), folded into the query projection. */
  private final NDArray queryScale;

  private FullParameterModel(NDManager manager, LlamaConfig config, RotaryEmbedding rope, DataType dtype,
                             Map<String, NDArray> tensors, TrainableStepTokens stepTokens, Path tokenizerDir,
                             String description) {
    this.manager = manager;
    this.config = config;
    this.layout = StreamLayout.of(config);
    this.rope = rope;
    this.dtype = dtype;
    this.tensors = tensors;
    this.stepTokens = stepTokens;
    this.tokenizerDir = tokenizerDir;
    this.description = description;
    this.normScale = constant(layout.normScale());
    this.queryScale = constant((float) (1 / Math.sqrt(config.headDim())));
  }

  /**
   * A model whose parameters start from {@code initial} (random weights for a model from scratch, or a checkpoint).
   *
   * @param tokenizerDir the folder whose {@code tokenizer.json} the saved model gets
   * @param savedStepTokens rows to continue from; empty = initialise from the bare words' rows
   * @param description what is trained, for progress and checkpoint metadata
   */
  public static FullParameterModel create(LlamaConfig config, TensorSource initial, Path tokenizerDir,
                                          Optional<StepTokenWeights> savedStepTokens, TrainingSettings settings,
                                          DataType dtype, int maxPositions, String description) {
    NDManager manager = NDManager.newBaseManager(Device.cpu());
    try {
      Map<String, NDArray> tensors = new LinkedHashMap<>();
      for (String name : initial.names().stream().sorted().toList()) {
        NDArray loaded = initial.load(name, manager);
        NDArray typed = loaded.getDataType() == dtype ? loaded : loaded.toType(dtype, false);
        typed.setRequiresGradient(true);
        tensors.put(name, typed);
      }
      requireTensors(config, tensors, initial);
      NDArray embedding = tensors.get("model.embed_tokens.weight");
      NDArray head = config.tieWordEmbeddings() ? embedding : tensors.get("lm_head.weight");
      TrainableStepTokens rows = savedStepTokens.isPresent()
          ? TrainableStepTokens.continueFrom(savedStepTokens.get(), manager, dtype)
          : TrainableStepTokens.initialise(StepTokens.of(settings.prefixTokens(), settings.tokensPerKind()).vocabulary(), embedding, head, TokenizerVocabulary.read(tokenizerDir), settings.seed(),
              manager, dtype);
      return new FullParameterModel(manager, config, new RotaryEmbedding(config, maxPositions, manager, dtype), dtype,
          tensors, rows, tokenizerDir, description);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /** A model folder (or a checkpoint of a full-parameter run) whose every parameter continues training. */
  public static FullParameterModel open(Path modelDir, TrainingSettings settings, DataType dtype, int maxPositions) {
    LlamaConfig config = LlamaConfig.read(modelDir);
    try (NDManager staging = NDManager.newBaseManager(Device.cpu());
         SafetensorsCheckpoint tensors = SafetensorsCheckpoint.openFolder(modelDir)) {
      return create(config, tensors, modelDir, StepTokenWeights.find(config.hiddenSize(), staging, modelDir), settings,
          dtype, maxPositions, modelDir.toString());
    }
  }

  private static void requireTensors(LlamaConfig config, Map<String, NDArray> tensors, TensorSource source) {
    List<String> required = new ArrayList<>(List.of("model.embed_tokens.weight", "model.norm.weight"));
    if (!config.tieWordEmbeddings()) {
      required.add("lm_head.weight");
    }
    ProjectionBiases biases = config.biases();
    for (int l = 0; l < config.layers(); l++) {
      for (String part : List.of("input_layernorm", "post_attention_layernorm", "self_attn.q_proj", "self_attn.k_proj",
          "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj")) {
        required.add("model.layers." + l + "." + part + ".weight");
        boolean biased = part.startsWith("mlp.") ? biases.mlp()
            : part.equals("self_attn.o_proj") ? biases.output() : part.startsWith("self_attn.") && biases.queryKeyValue();
        if (biased) {
          required.add("model.layers." + l + "." + part + ".bias");
        }
      }
    }
    List<String> missing = required.stream().filter(n -> !tensors.containsKey(n)).toList();
    if (!missing.isEmpty()) {
      throw new CheckpointException(source.describe() + " lacks the tensors " + missing + " that config.json implies");
    }
  }

  private NDArray constant(float value) {
    NDArray c = manager.create(new float[] {value}, new Shape(1));
    return c.getDataType() == dtype ? c : c.toType(dtype, false);
  }

  @Override
  public LlamaConfig config() {
    return config;
  }

  @Override
  public StepTokenVocabulary stepTokens() {
    return stepTokens.vocabulary();
  }

  @Override
  public int firstStepTokenId() {
    return (int) tensors.get("model.embed_tokens.weight").getShape().get(0);
  }

  @Override
  public List<TrainableParameter> parameters() {
    List<TrainableParameter> all = new ArrayList<>();
    tensors.forEach((name, array) -> all.add(new TrainableParameter(name, array)));
    all.addAll(stepTokens.parameters());
    return all;
  }

  @Override
  public LlamaModel forStep(NDManager stepManager, boolean training) {
    List<LayerWeights> layers = new ArrayList<>();
    for (int l = 0; l < config.layers(); l++) {
      layers.add(layer("model.layers." + l + "."));
    }
    int h = config.hiddenSize();
    NDArray finalNorm = layout.widenColumns(tensors.get("model.norm.weight").mul(normScale).reshape(1, h), false)
        .reshape(layout.width());
    NDArray embedding = tensors.get("model.embed_tokens.weight");
    NDArray head = config.tieWordEmbeddings() ? embedding : tensors.get("lm_head.weight");
    LlamaWeights weights = new LlamaWeights(config, layout, layers,
        stepTokens.tables(layout.widenColumns(embedding, true), layout.widenRows(head.transpose()), layout),
        finalNorm, dtype);
    return new LlamaModel(weights, rope);
  }

  /** One layer in the forward pass's layout, computed from the Hugging Face tensors as WeightLoader lays them out. */
  private LayerWeights layer(String prefix) {
    int h = config.hiddenSize();
    ProjectionBiases biases = config.biases();
    NDArray inputNorm = tensor(prefix, "input_layernorm").mul(normScale);
    NDArray postNorm = tensor(prefix, "post_attention_layernorm").mul(normScale);
    NDArray query = tensor(prefix, "self_attn.q_proj").mul(queryScale);
    NDArray qkv = layout.widenRows(NDArrays.concat(new NDList(query, tensor(prefix, "self_attn.k_proj"),
        tensor(prefix, "self_attn.v_proj")), 0).transpose().mul(inputNorm.reshape(h, 1)));
    NDArray gateUp = layout.widenRows(NDArrays.concat(new NDList(tensor(prefix, "mlp.gate_proj"),
        tensor(prefix, "mlp.up_proj")), 0).transpose().mul(postNorm.reshape(h, 1)));
    Optional<NDArray> qkvBias = !biases.queryKeyValue() ? Optional.empty() : Optional.of(NDArrays.concat(new NDList(
        bias(prefix, "self_attn.q_proj").mul(queryScale), bias(prefix, "self_attn.k_proj"),
        bias(prefix, "self_attn.v_proj"))));
    Optional<NDArray> outputBias = !biases.output() ? Optional.empty()
        : Optional.of(layout.widenVector(bias(prefix, "self_attn.o_proj")));
    Optional<NDArray> gateUpBias = !biases.mlp() ? Optional.empty()
        : Optional.of(NDArrays.concat(new NDList(bias(prefix, "mlp.gate_proj"), bias(prefix, "mlp.up_proj"))));
    Optional<NDArray> downBias = !biases.mlp() ? Optional.empty()
        : Optional.of(layout.widenVector(bias(prefix, "mlp.down_proj")));
    return new LayerWeights(new Projection(qkv, qkvBias),
        new Projection(layout.widenColumns(tensor(prefix, "self_attn.o_proj").transpose(), false), outputBias),
        new Projection(gateUp, gateUpBias),
        new Projection(layout.widenColumns(tensor(prefix, "mlp.down_proj").transpose(), false), downBias), inputNorm,
        postNorm);
  }

  private NDArray tensor(String prefix, String module) {
    return tensors.get(prefix + module + ".weight");
  }

  private NDArray bias(String prefix, String module) {
    return tensors.get(prefix + module + ".bias");
  }

  /**
   * Writes a Hugging Face folder: config.json, generation_config.json (the source's, else greedy),
   * model.safetensors (float32), tokenizer.json (and tokenizer_config.json when the source has one), and the step
   * tokens.
   */
  @Override
  public void save(Path dir) {
    SafetensorsWriter writer = new SafetensorsWriter();
    tensors.forEach((name, array) -> writer.addArray(name, array, Dtype.F32));
    writer.write(dir.resolve(SafetensorsCheckpoint.SINGLE_FILE));
    stepTokens.current().write(dir);
    try {
      Files.writeString(dir.resolve("config.json"), pretty(config.toJson()));
      Path generation = tokenizerDir.resolve("generation_config.json");
      if (Files.isRegularFile(generation)) {
        Files.copy(generation, dir.resolve("generation_config.json"), StandardCopyOption.REPLACE_EXISTING);
      } else {
        JsonObject greedy = new JsonObject();
        if (config.bosTokenId() >= 0) {
          greedy.addProperty("bos_token_id", config.bosTokenId());
        }
        config.eosTokenIds().stream().findFirst().ifPresent(eos -> greedy.addProperty("eos_token_id", eos));
        greedy.addProperty("do_sample", false);
        Files.writeString(dir.resolve("generation_config.json"), pretty(greedy));
      }
      Files.copy(tokenizerDir.resolve("tokenizer.json"), dir.resolve("tokenizer.json"),
          StandardCopyOption.REPLACE_EXISTING);
      // It may say which BOS the tokenizer adds (add_bos_token).
      Path tokenizerConfig = tokenizerDir.resolve("tokenizer_config.json");
      if (Files.isRegularFile(tokenizerConfig)) {
        Files.copy(tokenizerConfig, dir.resolve("tokenizer_config.json"), StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the model to " + dir + ": " + e.getMessage(), e);
    }
  }

  private static String pretty(JsonObject o) {
    return new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(o);
  }

  @Override
  public LanguageModel loadSaved(Path dir, int maxSequenceLength) {
    return LanguageModel.load(dir, LoadOptions.cpu(maxSequenceLength));
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
