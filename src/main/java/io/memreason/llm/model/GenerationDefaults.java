package io.memreason.llm.model;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.memreason.llm.CheckpointException;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The decoding a checkpoint recommends ({@code generation_config.json}, optional): whether to sample, with what
 * temperature / top-p / top-k, and which tokens end a sequence (merged with config.json's EOS ids).
 * Without the file, or with {@code do_sample} false, decoding is greedy, as in transformers.
 */
public record GenerationDefaults(boolean doSample, float temperature, float topP, int topK, List<Integer> eosTokenIds) {

  public GenerationDefaults {
    eosTokenIds = List.copyOf(eosTokenIds);
  }

  /** Reads the optional {@code generation_config.json} of a model folder. */
  public static GenerationDefaults read(Path modelDir, LlamaConfig config) {
    Path file = modelDir.resolve("generation_config.json");
    if (!Files.isRegularFile(file)) {
      return new GenerationDefaults(false, 1f, 1f, 0, config.eosTokenIds());
    }
    try (Reader r = Files.newBufferedReader(file)) {
      JsonElement root = JsonParser.parseReader(r);
      if (!root.isJsonObject()) {
        throw new CheckpointException(file + " is not a JSON object");
      }
      return fromJson(root.getAsJsonObject(), config, file.toString());
    } catch (IOException | com.google.gson.JsonParseException e) {
      throw new CheckpointException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  static GenerationDefaults fromJson(JsonObject o, LlamaConfig config, String source) {
    LlamaConfig.Keys k = new LlamaConfig.Keys(o, source);
    LinkedHashSet<Integer> eos = new LinkedHashSet<>(config.eosTokenIds());
    eos.addAll(LlamaConfig.tokenIds(o.get("eos_token_id"), source));
    // transformers' defaults: temperature 1, top_p 1, top_k 50.
    return new GenerationDefaults(k.bool("do_sample", false), (float) k.number("temperature", 1.0),
        (float) k.number("top_p", 1.0), k.integerOr("top_k", 50), List.copyOf(eos));
  }
}
