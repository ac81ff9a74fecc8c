package io.memreason.training;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads a seed dataset file: a JSON array of {@code {question, answer, cot_steps, split}} objects. */
public final class SeedFile {
  private static final Gson GSON = new Gson();

  private SeedFile() {}

  /** Every item of the file, in file order. */
  public static List<SeedExample> read(Path file) throws IOException {
    JsonArray items;
    try (Reader reader = Files.newBufferedReader(file)) {
      JsonElement root = JsonParser.parseReader(reader);
      if (!root.isJsonArray()) {
        throw new IllegalArgumentException(file + " is not a seed dataset: expected a JSON array of "
            + "{question, answer, cot_steps, split} objects");
      }
      items = root.getAsJsonArray();
    } catch (JsonParseException e) {
      throw new IllegalArgumentException(file + " is not valid JSON: " + e.getMessage(), e);
    }
    List<SeedExample> examples = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      try {
        examples.add(GSON.fromJson(items.get(i), SeedExample.class));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(file + " item " + i + " is not a seed example ({question, answer, "
            + "cot_steps, split}): " + e.getMessage(), e);
      }
    }
    return examples;
  }
}
