package io.memreason.llm.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.memreason.llm.CheckpointException;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The shape of a Llama-family decoder as its {@code config.json} gives it: Llama 2/3/3.1/3.2, TinyLlama, SmolLM,
 * Qwen2/Qwen2.5 and Mistral, which share one forward pass and differ only in the data below. Both spellings of
 * transformers are read: 4.x ({@code rope_theta}, {@code rope_scaling}, {@code torch_dtype}) and 5.x
 * ({@code rope_parameters}, {@code dtype}).
 *
 * @param headDim width of one attention head ({@code head_dim}, default hidden / heads)
 * @param kvHeads key/value heads ({@code num_key_value_heads}): fewer than {@code heads} is grouped-query attention
 * @param bosTokenId config.json's {@code bos_token_id}, or -1; which BOS a prompt starts with is the tokenizer's
 *     business ({@link io.memreason.llm.tokenizer.TextTokenizer#forModel})
 * @param family which {@code model_type} this is
 * @param biases which projections have a bias
 * @param slidingWindow the sliding-window width that at least one layer is configured with; memreason runs full
 *     attention, which is the same thing for sequences no longer than the window ({@link #requireFullAttention})
 */
public record LlamaConfig(int vocabSize, int hiddenSize, int intermediateSize, int layers, int heads, int kvHeads,
                          int headDim, double rmsNormEps, double ropeTheta, Optional<RopeScaling> ropeScaling,
                          boolean tieWordEmbeddings, int bosTokenId, List<Integer> eosTokenIds,
                          int maxPositionEmbeddings, ModelFamily family, ProjectionBiases biases,
                          OptionalInt slidingWindow) {

  public LlamaConfig {
    eosTokenIds = List.copyOf(eosTokenIds);
    if (heads % kvHeads != 0) {
      throw new CheckpointException("num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
    }
    if (headDim % 2 != 0) {
      throw new CheckpointException("head_dim " + headDim + " must be even for rotary embeddings");
    }
    if (!family.allows(biases)) {
      throw new IllegalArgumentException(family.modelType() + " models cannot have the biases " + biases);
    }
  }

  /** A Llama model without biases or sliding window. */
  public LlamaConfig(int vocabSize, int hiddenSize, int intermediateSize, int layers, int heads, int kvHeads,
                     int headDim, double rmsNormEps, double ropeTheta, Optional<RopeScaling> ropeScaling,
                     boolean tieWordEmbeddings, int bosTokenId, List<Integer> eosTokenIds, int maxPositionEmbeddings) {
    this(vocabSize, hiddenSize, intermediateSize, layers, heads, kvHeads, headDim, rmsNormEps, ropeTheta, ropeScaling,
        tieWordEmbeddings, bosTokenId, eosTokenIds, maxPositionEmbeddings, ModelFamily.LLAMA, ProjectionBiases.NONE,
        OptionalInt.empty());
  }

  /** The same shape as another family (Qwen2's q/k/v biases, say), for random models and tests. */
  public LlamaConfig asFamily(ModelFamily otherFamily, ProjectionBiases otherBiases, OptionalInt window) {
    return new LlamaConfig(vocabSize, hiddenSize, intermediateSize, layers, heads, kvHeads, headDim, rmsNormEps,
        ropeTheta, ropeScaling, tieWordEmbeddings, bosTokenId, eosTokenIds, maxPositionEmbeddings, otherFamily,
        otherBiases, window);
  }

  /** Query heads that share one key/value head. */
  public int groupSize() {
    return heads / kvHeads;
  }

  /**
   * Fails unless full causal attention is what this model computes for every sequence of up to {@code maxLength}
   * tokens: a sliding window of W lets a token see the W - 1 before it, so it changes nothing while sequences
   * are no longer than W.
   */
  public void requireFullAttention(int maxLength) {
    if (slidingWindow.isPresent() && slidingWindow.getAsInt() < maxLength) {
      throw new CheckpointException("this " + family.modelType() + " model uses sliding-window attention with a window "
          + "of " + slidingWindow.getAsInt() + " tokens, which would take effect at the " + maxLength + " tokens it is "
          + "set up for; memreason implements full attention only: use sequences of at most "
          + slidingWindow.getAsInt() + " tokens (engine.max-total-tokens, train --max-length)");
    }
  }

  /** Reads {@code config.json} in a model folder. */
  public static LlamaConfig read(Path modelDir) {
    Path file = modelDir.resolve("config.json");
    try (Reader r = Files.newBufferedReader(file)) {
      JsonElement root = JsonParser.parseReader(r);
      if (!root.isJsonObject()) {
        throw new CheckpointException(file + " is not a JSON object");
      }
      return fromJson(root.getAsJsonObject(), file.toString());
    } catch (NoSuchFileException e) {
      throw new CheckpointException("config.json not found in " + modelDir + ": pass a Hugging Face model folder");
    } catch (IOException | com.google.gson.JsonParseException e) {
      throw new CheckpointException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** Parses a {@code config.json} object; {@code source} names it in errors. */
  public static LlamaConfig fromJson(JsonObject o, String source) {
    Keys k = new Keys(o, source);
    ModelFamily family = family(o, k, source);
    if (!k.string("hidden_act", "silu").equals("silu")) {
      throw new CheckpointException(source + ": hidden_act '" + k.string("hidden_act", "") + "' is not supported (silu only)");
    }
    if (o.has("quantization_config") && !o.get("quantization_config").isJsonNull()) {
      throw new CheckpointException(source + ": quantized checkpoints (quantization_config) are not supported; use "
          + "the model's float32, float16 or bfloat16 safetensors");
    }
    int hidden = k.integer("hidden_size");
    int heads = k.integer("num_attention_heads");
    int layers = k.integer("num_hidden_layers");
    int kvHeads = k.integerOr("num_key_value_heads", heads);
    int headDim = k.integerOr("head_dim", hidden / heads);
    Rope rope = rope(o, k, source);
    return new LlamaConfig(k.integer("vocab_size"), hidden, k.integer("intermediate_size"), layers, heads, kvHeads,
        headDim, k.number("rms_norm_eps", 1e-6), rope.theta(), rope.scaling(), k.bool("tie_word_embeddings", false),
        k.integerOr("bos_token_id", -1), tokenIds(o.get("eos_token_id"), source),
        k.integerOr("max_position_embeddings", 2048), family, biases(family, k), slidingWindow(family, o, k, layers,
            source));
  }

  /** The family {@code model_type} names (or, without one, {@code architectures}), checked against both. */
  private static ModelFamily family(JsonObject o, Keys k, String source) {
    List<String> architectures = new ArrayList<>();
    JsonElement a = o.get("architectures");
    if (a != null && a.isJsonArray()) {
      a.getAsJsonArray().forEach(e -> architectures.add(e.isJsonNull() ? "null" : e.getAsString()));
    } else if (a != null && !a.isJsonNull()) {
      architectures.add(a.getAsString());
    }
    for (String architecture : architectures) {
      if (ModelFamily.ofArchitecture(architecture).isEmpty()) {
        throw new CheckpointException(source + ": architectures entry '" + architecture + "' is not supported; "
            + "memreason runs " + ModelFamily.supportedArchitectures());
      }
    }
    String modelType = k.string("model_type", null);
    ModelFamily family;
    if (modelType != null) {
      family = ModelFamily.ofModelType(modelType).orElseThrow(() -> new CheckpointException(source + ": model_type '"
          + modelType + "' is not supported; memreason runs model_type " + ModelFamily.supportedModelTypes()));
    } else if (!architectures.isEmpty()) {
      family = ModelFamily.ofArchitecture(architectures.get(0)).orElseThrow();
    } else {
      throw new CheckpointException(source + ": config.json has neither model_type nor architectures; memreason runs "
          + "model_type " + ModelFamily.supportedModelTypes());
    }
    for (String architecture : architectures) {
      if (!architecture.equals(family.architecture())) {
        throw new CheckpointException(source + ": architectures entry '" + architecture + "' does not match model_type '"
            + family.modelType() + "' (expected " + family.architecture() + ")");
      }
    }
    return family;
  }

  private static ProjectionBiases biases(ModelFamily family, Keys k) {
    boolean attention = family.attentionBiasKey != null && k.bool(family.attentionBiasKey, false);
    boolean mlp = family.mlpBiasKey != null && k.bool(family.mlpBiasKey, false);
    return new ProjectionBiases(attention || family.alwaysQueryKeyValueBias, attention, mlp);
  }

  /**
   * The sliding window some layer is configured with: {@code layer_types} (transformers 4.57 and 5.x) says which
   * layers have one; older configs say it with the family's keys (Mistral: every layer when
   * {@code sliding_window} is set; Qwen2: layers from {@code max_window_layers} on, only when
   * {@code use_sliding_window} is true).
   */
  private static OptionalInt slidingWindow(ModelFamily family, JsonObject o, Keys k, int layers, String source) {
    JsonElement types = o.get("layer_types");
    boolean slidingLayers;
    if (types != null && !types.isJsonNull()) {
      if (!types.isJsonArray() || types.getAsJsonArray().size() != layers) {
        throw new CheckpointException(source + ": layer_types must list one entry for each of the " + layers + " layers");
      }
      slidingLayers = false;
      for (JsonElement t : types.getAsJsonArray()) {
        String type = t.isJsonNull() ? "null" : t.getAsString();
        switch (type) {
          case "full_attention" -> { }
          case "sliding_attention" -> slidingLayers = true;
          default -> throw new CheckpointException(source + ": layer type '" + type + "' is not supported; memreason "
              + "runs full_attention layers (and sliding_attention ones while sequences fit the window)");
        }
      }
    } else if (family.slidingWindowKey == null) {
      return OptionalInt.empty();
    } else {
      boolean switchedOn = family.slidingWindowSwitchKey == null || k.bool(family.slidingWindowSwitchKey, false);
      int firstLayer = family.slidingWindowFirstLayerKey == null ? 0 : k.integerOr(family.slidingWindowFirstLayerKey, 0);
      slidingLayers = switchedOn && firstLayer < layers && k.integerOr(family.slidingWindowKey, -1) >= 0;
    }
    if (!slidingLayers) {
      return OptionalInt.empty();
    }
    String key = family.slidingWindowKey == null ? "sliding_window" : family.slidingWindowKey;
    int window = k.integerOr(key, -1);
    if (window <= 0) {
      throw new CheckpointException(source + ": layer_types has sliding_attention layers but " + key
          + " is not a positive number");
    }
    return OptionalInt.of(window);
  }

  private record Rope(double theta, Optional<RopeScaling> scaling) {}

  /**
   * RoPE settings: transformers 5.x's {@code rope_parameters} (flat, or nested by layer type), else 4.x's
   * {@code rope_theta} and {@code rope_scaling}; theta defaults to 10000.
   */
  private static Rope rope(JsonObject o, Keys k, String source) {
    JsonElement parameters = o.get("rope_parameters");
    if (parameters != null && !parameters.isJsonNull()) {
      if (!parameters.isJsonObject()) {
        throw new CheckpointException(source + ": rope_parameters must be an object");
      }
      JsonObject p = parameters.getAsJsonObject();
      if (!p.has("rope_type") && !p.has("type") && !p.has("rope_theta") && p.has("full_attention")
          && p.get("full_attention").isJsonObject()) {
        // Nested by layer type; only full-attention layers run here (sliding ones are refused above if they matter).
        p = p.getAsJsonObject("full_attention");
      }
      Keys pk = new Keys(p, source + " rope_parameters");
      return new Rope(pk.number("rope_theta", k.number("rope_theta", 10000.0)), ropeScaling(p, source + " rope_parameters"));
    }
    JsonElement scaling = o.get("rope_scaling");
    if (scaling != null && !scaling.isJsonNull() && !scaling.isJsonObject()) {
      throw new CheckpointException(source + ": rope_scaling must be null or an object");
    }
    return new Rope(k.number("rope_theta", 10000.0),
        scaling == null || scaling.isJsonNull() ? Optional.empty() : ropeScaling(scaling.getAsJsonObject(),
            source + " rope_scaling"));
  }

  private static Optional<RopeScaling> ropeScaling(JsonObject o, String source) {
    Keys k = new Keys(o, source);
    if (k.number("partial_rotary_factor", 1.0) != 1.0) {
      throw new CheckpointException(source + ": partial_rotary_factor " + k.number("partial_rotary_factor", 1.0)
          + " is not supported (RoPE over the whole head only)");
    }
    String type = k.string("rope_type", k.string("type", "default"));
    return switch (type) {
      case "default" -> Optional.empty();
      case "llama3" -> Optional.of(new RopeScaling(k.number("factor", Double.NaN), k.number("low_freq_factor", 1.0),
          k.number("high_freq_factor", 4.0), k.integer("original_max_position_embeddings")));
      default -> throw new CheckpointException(source + ": RoPE type '" + type
          + "' is not supported; memreason implements 'default' (no scaling) and 'llama3'");
    };
  }

  /** An id or a list of ids ({@code eos_token_id} takes both forms); empty when absent. */
  static List<Integer> tokenIds(JsonElement e, String source) {
    List<Integer> ids = new ArrayList<>();
    if (e == null || e.isJsonNull()) {
      return ids;
    }
    try {
      if (e.isJsonArray()) {
        e.getAsJsonArray().forEach(x -> ids.add(x.getAsInt()));
      } else {
        ids.add(e.getAsInt());
      }
    } catch (RuntimeException ex) {
      throw new CheckpointException(source + ": eos_token_id must be an integer or a list of integers, not " + e);
    }
    return ids;
  }

  /** This configuration as a {@code config.json} object that transformers and {@link #fromJson} read. */
  public JsonObject toJson() {
    JsonObject o = new JsonObject();
    JsonArray arch = new JsonArray();
    arch.add(family.architecture());
    o.add("architectures", arch);
    o.addProperty("model_type", family.modelType());
    o.addProperty("hidden_act", "silu");
    o.addProperty("vocab_size", vocabSize);
    o.addProperty("hidden_size", hiddenSize);
    o.addProperty("intermediate_size", intermediateSize);
    o.addProperty("num_hidden_layers", layers);
    o.addProperty("num_attention_heads", heads);
    o.addProperty("num_key_value_heads", kvHeads);
    o.addProperty("head_dim", headDim);
    o.addProperty("rms_norm_eps", rmsNormEps);
    o.addProperty("rope_theta", ropeTheta);
    if (ropeScaling.isPresent()) {
      RopeScaling s = ropeScaling.get();
      JsonObject rs = new JsonObject();
      rs.addProperty("rope_type", "llama3");
      rs.addProperty("factor", s.factor());
      rs.addProperty("low_freq_factor", s.lowFreqFactor());
      rs.addProperty("high_freq_factor", s.highFreqFactor());
      rs.addProperty("original_max_position_embeddings", s.originalMaxPositionEmbeddings());
      o.add("rope_scaling", rs);
    } else {
      o.add("rope_scaling", JsonNull.INSTANCE);
    }
    o.addProperty("tie_word_embeddings", tieWordEmbeddings);
    if (family.attentionBiasKey != null) {
      o.addProperty(family.attentionBiasKey, biases.output());
    }
    if (family.mlpBiasKey != null) {
      o.addProperty(family.mlpBiasKey, biases.mlp());
    }
    if (family.slidingWindowKey != null) {
      if (slidingWindow.isPresent()) {
        o.addProperty(family.slidingWindowKey, slidingWindow.getAsInt());
      } else {
        o.add(family.slidingWindowKey, JsonNull.INSTANCE);
      }
    }
    if (family.slidingWindowSwitchKey != null) {
      o.addProperty(family.slidingWindowSwitchKey, slidingWindow.isPresent());
      o.addProperty(family.slidingWindowFirstLayerKey, 0);
    }
    if (bosTokenId >= 0) {
      o.addProperty("bos_token_id", bosTokenId);
    }
    if (eosTokenIds.size() == 1) {
      o.addProperty("eos_token_id", eosTokenIds.get(0));
    } else if (!eosTokenIds.isEmpty()) {
      JsonArray eos = new JsonArray();
      eosTokenIds.forEach(eos::add);
      o.add("eos_token_id", eos);
    }
    o.addProperty("max_position_embeddings", maxPositionEmbeddings);
    o.addProperty("torch_dtype", "float32");
    return o;
  }

  /** Typed access to a JSON object's keys with errors that name the file and key. */
  record Keys(JsonObject o, String source) {
    int integer(String key) {
      JsonElement e = o.get(key);
      if (e == null || e.isJsonNull()) {
        throw new CheckpointException(source + ": required key " + key + " is missing");
      }
      return asInt(key, e);
    }

    int integerOr(String key, int fallback) {
      JsonElement e = o.get(key);
      return e == null || e.isJsonNull() ? fallback : asInt(key, e);
    }

    private int asInt(String key, JsonElement e) {
      try {
        double d = e.getAsDouble();
        if (d != Math.rint(d)) {
          throw new NumberFormatException();
        }
        return e.getAsInt();
      } catch (RuntimeException ex) {
        throw new CheckpointException(source + ": " + key + " must be an integer, not " + e);
      }
    }

    double number(String key, double fallback) {
      JsonElement e = o.get(key);
      if (e == null || e.isJsonNull()) {
        if (Double.isNaN(fallback)) {
          throw new CheckpointException(source + ": required key " + key + " is missing");
        }
        return fallback;
      }
      try {
        return e.getAsDouble();
      } catch (RuntimeException ex) {
        throw new CheckpointException(source + ": " + key + " must be a number, not " + e);
      }
    }

    boolean bool(String key, boolean fallback) {
      JsonElement e = o.get(key);
      return e == null || e.isJsonNull() ? fallback : e.getAsBoolean();
    }

    String string(String key, String fallback) {
      JsonElement e = o.get(key);
      return e == null || e.isJsonNull() ? fallback : e.getAsString();
    }
  }
}
