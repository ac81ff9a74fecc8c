package io.memreason.training;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One item of a generations file in the reference's output format, {@code [{generated_text, result}]}.
 *
 * @param generatedText the prompt followed by the generation, step tokens kept
 * @param referenceCorrect the reference evaluator's verdict ({@code "correct"} or {@code "wrong"}), if recorded
 */
public record GeneratedOutput(String generatedText, Optional<Boolean> referenceCorrect) {

  /** Every item of a generations file, in file order. */
  public static List<GeneratedOutput> readAll(Path file) throws IOException {
    JsonElement root;
    try (Reader reader = Files.newBufferedReader(file)) {
      root = JsonParser.parseReader(reader);
    } catch (JsonParseException e) {
      throw new IllegalArgumentException(file + " is not valid JSON: " + e.getMessage(), e);
    }
    if (!root.isJsonArray()) {
      throw new IllegalArgumentException(file + " is not a generations file: expected a JSON array of "
          + "{generated_text, result} objects");
    }
    JsonArray items = root.getAsJsonArray();
    List<GeneratedOutput> outputs = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      outputs.add(parse(items.get(i), file, i));
    }
    return outputs;
  }

  /**
   * Writes outputs in the reference's format, readable by {@link #readAll} and {@code memreason score}; an output
   * without a verdict gets {@code "result": null}.
   */
  public static void writeAll(Path file, List<GeneratedOutput> outputs) throws IOException {
    JsonArray items = new JsonArray();
    for (GeneratedOutput output : outputs) {
      JsonObject item = new JsonObject();
      item.addProperty("generated_text", output.generatedText());
      item.addProperty("result", output.referenceCorrect().map(c -> c ? "correct" : "wrong").orElse(null));
      items.add(item);
    }
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    // Step tokens must stay readable: no HTML escaping of '<' and '>'.
    Files.writeString(file, new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create()
        .toJson(items));
  }

  private static GeneratedOutput parse(JsonElement item, Path file, int index) {
    JsonObject object = item.isJsonObject() ? item.getAsJsonObject() : null;
    if (object == null || !object.has("generated_text") || !object.get("generated_text").isJsonPrimitive()) {
      throw new IllegalArgumentException(file + " item " + index + " has no generated_text string");
    }
    Optional<Boolean> verdict = Optional.empty();
    if (object.has("result") && !object.get("result").isJsonNull()) {
      String result = object.get("result").getAsString();
      if (!result.equals("correct") && !result.equals("wrong")) {
        throw new IllegalArgumentException(file + " item " + index + " has result '" + result
            + "'; expected 'correct' or 'wrong'");
      }
      verdict = Optional.of(result.equals("correct"));
    }
    return new GeneratedOutput(object.get("generated_text").getAsString(), verdict);
  }
}
