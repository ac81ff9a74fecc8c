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

/**
 * The shape of a Llama-family decoder (Llama 2/3/3.1/3.2, TinyLlama, SmolLM) as its {@code config.json} gives it.
 *
 * @param headDim width of one attention head ({@code head_dim}, default hidden / heads)
 * @param kvHeads key/value heads ({@code num_key_value_heads}): fewer than {@code heads} is grouped-query attention
 * @param bosTokenId the id prepended to every prompt, or -1 when the model has none
 */
public record LlamaConfig(int vocabSize, int hiddenSize, int intermediateSize, int layers, int heads, int kvHeads,
                          int headDim, double rmsNormEps, double ropeTheta, Optional<RopeScaling> ropeScaling,
                          boolean tieWordEmbeddings, int bosTokenId, List<Integer> eosTokenIds,
                          int maxPositionEmbeddings) {

  public LlamaConfig {
    eosTokenIds = List.copyOf(eosTokenIds);
    if (heads % kvHeads != 0) {
      throw new CheckpointException("num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
    }
    if (headDim % 2 != 0) {
      throw new CheckpointException("head_dim " + headDim + " must be even for rotary embeddings");
    }
  }

  /** Query heads that share one key/value head. */
  public int groupSize() {
    return heads / kvHeads;
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
    String modelType = k.string("model_type", "llama");
    if (!modelType.equals("llama")) {
      throw new CheckpointException(source + ": model_type '" + modelType + "' is not supported; memreason runs "
          + "Llama-family models (model_type llama)");
    }
    if (!k.string("hidden_act", "silu").equals("silu")) {
      throw new CheckpointException(source + ": hidden_act '" + k.string("hidden_act", "") + "' is not supported (silu only)");
    }
    if (k.bool("attention_bias", false) || k.bool("mlp_bias", false)) {
      throw new CheckpointException(source + ": attention_bias / mlp_bias are not supported");
    }
    int hidden = k.integer("hidden_size");
    int heads = k.integer("num_attention_heads");
    int kvHeads = k.integerOr("num_key_value_heads", heads);
    int headDim = k.integerOr("head_dim", hidden / heads);
    return new LlamaConfig(k.integer("vocab_size"), hidden, k.integer("intermediate_size"),
        k.integer("num_hidden_layers"), heads, kvHeads, headDim, k.number("rms_norm_eps", 1e-6),
        k.number("rope_theta", 10000.0), ropeScaling(o.get("rope_scaling"), source),
        k.bool("tie_word_embeddings", false), k.integerOr("bos_token_id", -1), tokenIds(o.get("eos_token_id"), source),
        k.integerOr("max_position_embeddings", 2048));
  }

  private static Optional<RopeScaling> ropeScaling(JsonElement e, String source) {
    if (e == null || e.isJsonNull()) {
      return Optional.empty();
    }
    if (!e.isJsonObject()) {
      throw new CheckpointException(source + ": rope_scaling must be null or an object");
    }
    Keys k = new Keys(e.getAsJsonObject(), source + " rope_scaling");
    String type = k.string("rope_type", k.string("type", "default"));
    return switch (type) {
      case "default" -> Optional.empty();
      case "llama3" -> Optional.of(new RopeScaling(k.number("factor", Double.NaN), k.number("low_freq_factor", 1.0),
          k.number("high_freq_factor", 4.0), k.integer("original_max_position_embeddings")));
      default -> throw new CheckpointException(source + ": rope_scaling type '" + type
          + "' is not supported; only llama3 scaling (or none) is");
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
    arch.add("LlamaForCausalLM");
    o.add("architectures", arch);
    o.addProperty("model_type", "llama");
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
