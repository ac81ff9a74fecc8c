package io.memreason.llm.random;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import io.memreason.llm.adapter.StepTokenVocabulary;
import io.memreason.llm.adapter.StepTokenWeights;
import io.memreason.llm.model.LlamaConfig;
import io.memreason.llm.safetensors.Dtype;
import io.memreason.llm.safetensors.SafetensorsCheckpoint;
import io.memreason.llm.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * Writes a random Llama model as a Hugging Face folder: config.json, generation_config.json (greedy),
 * model.safetensors (or shards with an index), and a byte-level tokenizer.json. For tests and the demo's
 * locally built model; nothing is downloaded.
 */
public final class RandomCheckpoint {
  private RandomCheckpoint() {}

  /**
   * Adds random step-token rows for {@code vocabulary} to a model folder ({@code new_in} and {@code new_out} drawn
   * from N(0, 0.02²) by torch seeded with {@code seed}, a zero bias), so that the folder serves as a reasoning model.
   */
  public static void writeStepTokens(Path dir, StepTokenVocabulary vocabulary, int hiddenSize, long seed) {
    try (NDManager m = NDManager.newBaseManager()) {
      m.getEngine().setRandomSeed((int) seed);
      Shape rows = new Shape(vocabulary.tokens().size(), hiddenSize);
      new StepTokenWeights(vocabulary, m.randomNormal(0f, 0.02f, rows, DataType.FLOAT32),
          m.randomNormal(0f, 0.02f, rows, DataType.FLOAT32), m.zeros(new Shape(rows.get(0)))).write(dir);
    }
  }

  /** One safetensors file with every tensor stored as {@code dtype} (F32 or BF16). */
  public static void write(Path dir, LlamaConfig config, long seed, Dtype dtype) {
    write(dir, config, seed, dtype, 1);
  }

  /** Like {@link #write(Path, LlamaConfig, long, Dtype)} with the tensors spread over {@code shards} files. */
  public static void write(Path dir, LlamaConfig config, long seed, Dtype dtype, int shards) {
    RandomTensors tensors = new RandomTensors(config, seed, 0.02);
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("config.json"), pretty(config.toJson()));
      JsonObject generation = new JsonObject();
      if (config.bosTokenId() >= 0) {
        generation.addProperty("bos_token_id", config.bosTokenId());
      }
      if (!config.eosTokenIds().isEmpty()) {
        generation.addProperty("eos_token_id", config.eosTokenIds().get(0));
      }
      generation.addProperty("do_sample", false);
      Files.writeString(dir.resolve("generation_config.json"), pretty(generation));
      Files.writeString(dir.resolve("tokenizer.json"), ByteLevelTokenizerJson.json(config.vocabSize()));
      List<String> names = new ArrayList<>(tensors.names());
      if (shards == 1) {
        SafetensorsWriter writer = new SafetensorsWriter();
        names.forEach(n -> writer.addFloats(n, tensors.shape(n), chunks -> tensors.values(n, 1 << 20, chunks), dtype));
        writer.write(dir.resolve(SafetensorsCheckpoint.SINGLE_FILE));
        return;
      }
      // Consecutive tensors, a new shard once one holds its share of the bytes (as max_shard_size splits).
      ToLongFunction<String> elements = n -> Arrays.stream(tensors.shape(n)).reduce(1, Math::multiplyExact);
      long total = names.stream().mapToLong(elements).sum();
      JsonObject weightMap = new JsonObject();
      int next = 0;
      long written = 0;
      for (int s = 0; s < shards; s++) {
        String file = String.format("model-%05d-of-%05d.safetensors", s + 1, shards);
        SafetensorsWriter writer = new SafetensorsWriter();
        long share = total * (s + 1) / shards;
        while (next < names.size() && (written < share || s == shards - 1)) {
          String n = names.get(next++);
          writer.addFloats(n, tensors.shape(n), chunks -> tensors.values(n, 1 << 20, chunks), dtype);
          weightMap.addProperty(n, file);
          written += elements.applyAsLong(n);
        }
        writer.write(dir.resolve(file));
      }
      JsonObject index = new JsonObject();
      JsonObject metadata = new JsonObject();
      metadata.addProperty("total_size", total * dtype.bytes());
      index.add("metadata", metadata);
      index.add("weight_map", weightMap);
      Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX_FILE), pretty(index));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write a random model to " + dir + ": " + e.getMessage(), e);
    }
  }

  private static String pretty(JsonObject o) {
    return new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(o);
  }
}
