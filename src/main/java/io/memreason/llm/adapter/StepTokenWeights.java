package io.memreason.llm.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.memreason.llm.CheckpointException;
import io.memreason.llm.safetensors.Dtype;
import io.memreason.llm.safetensors.SafetensorsCheckpoint;
import io.memreason.llm.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The learned step tokens of method.md with their rows: {@code new_in} [n, hidden] input embeddings,
 * {@code new_out.weight} [n, hidden] and {@code new_out.bias} [n] extra output rows, beside the base model's
 * tables. Token k of the vocabulary has id {@code embeddingRows + k}.
 *
 * <p>On disk: {@code step_tokens.json} = {@code {"prefix_tokens": P, "tokens_per_kind": S, "tokens": [...]}}
 * and {@code step_tokens.safetensors} with the three tensors.
 */
public record StepTokenWeights(StepTokenVocabulary vocabulary, NDArray newIn, NDArray newOutWeight, NDArray newOutBias) {
  public static final String JSON_FILE = "step_tokens.json";
  public static final String TENSOR_FILE = "step_tokens.safetensors";

  public int count() {
    return vocabulary.tokens().size();
  }

  /** Reads the step tokens from the first of {@code dirs} that has a {@code step_tokens.json}, if any. */
  public static Optional<StepTokenWeights> find(int hidden, NDManager manager, Path... dirs) {
    for (Path dir : dirs) {
      if (dir != null && Files.isRegularFile(dir.resolve(JSON_FILE))) {
        return Optional.of(read(dir, hidden, manager));
      }
    }
    return Optional.empty();
  }

  /** Reads and validates the step tokens of a folder for a model of the given hidden size. */
  public static StepTokenWeights read(Path dir, int hidden, NDManager manager) {
    Path json = dir.resolve(JSON_FILE);
    StepTokenVocabulary vocabulary;
    try (Reader r = Files.newBufferedReader(json)) {
      JsonObject o = JsonParser.parseReader(r).getAsJsonObject();
      List<String> tokens = new ArrayList<>();
      for (JsonElement e : o.getAsJsonArray("tokens")) {
        tokens.add(e.getAsString());
      }
      vocabulary = new StepTokenVocabulary(o.get("prefix_tokens").getAsInt(), o.get("tokens_per_kind").getAsInt(), tokens);
    } catch (IOException | RuntimeException e) {
      throw new CheckpointException("cannot read " + json + " (expected {\"prefix_tokens\": P, "
          + "\"tokens_per_kind\": S, \"tokens\": [...]} with P + 4S distinct tokens): " + e.getMessage(), e);
    }
    int n = vocabulary.tokens().size();
    Path tensorFile = dir.resolve(TENSOR_FILE);
    if (!Files.isRegularFile(tensorFile)) {
      throw new CheckpointException(TENSOR_FILE + " not found beside " + json);
    }
    try (SafetensorsCheckpoint tensors = SafetensorsCheckpoint.openFile(tensorFile)) {
      expect(tensors, "new_in", n, hidden);
      expect(tensors, "new_out.weight", n, hidden);
      expect(tensors, "new_out.bias", n);
      return new StepTokenWeights(vocabulary, tensors.load("new_in", manager), tensors.load("new_out.weight", manager),
          tensors.load("new_out.bias", manager));
    }
  }

  private static void expect(SafetensorsCheckpoint tensors, String name, long... shape) {
    long[] actual = tensors.shape(name);
    if (!Arrays.equals(actual, shape)) {
      throw new CheckpointException(tensors.describe() + ": tensor '" + name + "' has shape "
          + Arrays.toString(actual) + ", expected " + Arrays.toString(shape));
    }
  }

  /** Writes {@code step_tokens.json} and {@code step_tokens.safetensors} into {@code dir}. */
  public void write(Path dir) {
    JsonObject o = new JsonObject();
    o.addProperty("prefix_tokens", vocabulary.prefixTokens());
    o.addProperty("tokens_per_kind", vocabulary.tokensPerKind());
    JsonArray list = new JsonArray();
    vocabulary.tokens().forEach(list::add);
    o.add("tokens", list);
    try {
      Files.createDirectories(dir);
      new SafetensorsWriter()
          .addArray("new_in", newIn, Dtype.F32)
          .addArray("new_out.weight", newOutWeight, Dtype.F32)
          .addArray("new_out.bias", newOutBias, Dtype.F32)
          .write(dir.resolve(TENSOR_FILE));
      Files.writeString(dir.resolve(JSON_FILE), new GsonBuilder().setPrettyPrinting().create().toJson(o));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write step tokens to " + dir + ": " + e.getMessage(), e);
    }
  }
}
