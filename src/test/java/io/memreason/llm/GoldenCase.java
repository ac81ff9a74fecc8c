package io.memreason.llm;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * A golden checkpoint folder (config.json, model.safetensors, optional adapter/, inputs.json, expected.json):
 * the reference's inputs and the logits, argmax and greedy generation it computed.
 */
public record GoldenCase(Path dir, JsonObject inputs, JsonObject expected) {

  /** The shared folders of golden cases: Llama ({@code golden}) and the other families ({@code golden-families}). */
  static final List<String> SHARED_FOLDERS = List.of("golden", "golden-families");

  /**
   * The shared cases plus every folder named in {@code -Dmemreason.golden.dirs=a,b,...}. A named folder is a case
   * itself, or a folder of cases (each sub-folder that is one); anything else is returned too, so that the test
   * reports it instead of passing without it. Reference-run cases ({@code base/} + {@code run/}), and folders of
   * them, share the property: they are ReferenceRunTest's and left out.
   */
  static List<Path> all() {
    List<Path> dirs = new ArrayList<>();
    for (String folder : SHARED_FOLDERS) {
      dirs.addAll(CaseFolders.shared(folder, GoldenCase::isCase));
    }
    for (Path dir : CaseFolders.listed()) {
      if (isCase(dir)) {
        dirs.add(dir);
      } else if (!CaseFolders.isReferenceRun(dir)) {
        List<Path> inside = children(dir);
        List<Path> cases = inside.stream().filter(GoldenCase::isCase).toList();
        if (!cases.isEmpty()) {
          dirs.addAll(cases);
        } else if (inside.stream().noneMatch(CaseFolders::isReferenceRun)) {
          dirs.add(dir);
        }
      }
    }
    return dirs;
  }

  private static List<Path> children(Path folder) {
    if (!Files.isDirectory(folder)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(folder)) {
      return s.sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean isCase(Path dir) {
    return Files.isRegularFile(dir.resolve("expected.json")) && Files.isRegularFile(dir.resolve("inputs.json"))
        && Files.isRegularFile(dir.resolve("config.json"));
  }

  public static GoldenCase read(Path dir) {
    if (!Files.isRegularFile(dir.resolve("expected.json")) || !Files.isRegularFile(dir.resolve("inputs.json"))) {
      throw new IllegalArgumentException("golden case folder " + dir + " has no inputs.json / expected.json");
    }
    return new GoldenCase(dir, json(dir.resolve("inputs.json")), json(dir.resolve("expected.json")));
  }

  private static JsonObject json(Path file) {
    try {
      return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  boolean hasAdapter() {
    return Files.isRegularFile(dir.resolve("adapter/adapter_config.json"));
  }

  boolean hasBaseExpectations() {
    return expected.has("base_logits");
  }

  int[][] inputIds() {
    return ints(inputs.getAsJsonArray("input_ids"));
  }

  int[][] attentionMask() {
    return ints(inputs.getAsJsonArray("attention_mask"));
  }

  int[][] generationIds() {
    return ints(inputs.getAsJsonObject("generation").getAsJsonArray("input_ids"));
  }

  int[][] generationMask() {
    return ints(inputs.getAsJsonObject("generation").getAsJsonArray("attention_mask"));
  }

  /** The generation prompts without their left padding. */
  public int[][] unpaddedGenerationPrompts() {
    int[][] ids = generationIds();
    int[][] mask = generationMask();
    int[][] prompts = new int[ids.length][];
    for (int b = 0; b < ids.length; b++) {
      int start = 0;
      while (mask[b][start] == 0) {
        start++;
      }
      prompts[b] = Arrays.copyOfRange(ids[b], start, ids[b].length);
    }
    return prompts;
  }

  /** Expected logits [B][T][V], null rows at padding; {@code prefix} "" or "base_". */
  float[][][] logits(String prefix) {
    JsonArray batch = expected.getAsJsonArray(prefix + "logits");
    float[][][] out = new float[batch.size()][][];
    for (int b = 0; b < out.length; b++) {
      JsonArray rows = batch.get(b).getAsJsonArray();
      out[b] = new float[rows.size()][];
      for (int t = 0; t < rows.size(); t++) {
        out[b][t] = rows.get(t).isJsonNull() ? null : floats(rows.get(t).getAsJsonArray());
      }
    }
    return out;
  }

  Integer[][] argmax(String prefix) {
    JsonArray batch = expected.getAsJsonArray(prefix + "argmax");
    Integer[][] out = new Integer[batch.size()][];
    for (int b = 0; b < out.length; b++) {
      JsonArray row = batch.get(b).getAsJsonArray();
      out[b] = new Integer[row.size()];
      for (int t = 0; t < row.size(); t++) {
        out[b][t] = row.get(t).isJsonNull() ? null : row.get(t).getAsInt();
      }
    }
    return out;
  }

  public int[][] newTokens(String prefix) {
    return ints(generation(prefix).getAsJsonArray("new_tokens"));
  }

  /** The logits that chose each new token, [B][steps][V]. */
  float[][][] stepLogits(String prefix) {
    JsonArray batch = generation(prefix).getAsJsonArray("step_logits");
    float[][][] out = new float[batch.size()][][];
    for (int b = 0; b < out.length; b++) {
      JsonArray steps = batch.get(b).getAsJsonArray();
      out[b] = new float[steps.size()][];
      for (int s = 0; s < steps.size(); s++) {
        out[b][s] = floats(steps.get(s).getAsJsonArray());
      }
    }
    return out;
  }

  /** The acceptance tolerance for logits (what the fixtures' README states), whatever a case file says. */
  double tolerance() {
    return 1e-4;
  }

  private JsonObject generation(String prefix) {
    return expected.getAsJsonObject(prefix + "generation");
  }

  private static int[][] ints(JsonArray a) {
    int[][] out = new int[a.size()][];
    for (int i = 0; i < out.length; i++) {
      JsonArray row = a.get(i).getAsJsonArray();
      out[i] = new int[row.size()];
      for (int j = 0; j < out[i].length; j++) {
        out[i][j] = row.get(j).getAsInt();
      }
    }
    return out;
  }

  private static float[] floats(JsonArray a) {
    float[] out = new float[a.size()];
    int i = 0;
    for (JsonElement e : a) {
      out[i++] = e.getAsFloat();
    }
    return out;
  }
}
