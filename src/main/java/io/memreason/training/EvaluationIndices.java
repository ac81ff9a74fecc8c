package io.memreason.training;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.memreason.reasoning.Task;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The test-set indices a generations file answered, in order: the reference evaluates a test set larger than its
 * {@code num_test} on {@code random.choices} draws (with replacement), e.g. 1200 of CommonsenseQA's 1221 items.
 *
 * <p>The index file is either a JSON array of indices or a JSON object of named lists, like the seed's
 * {@code eval_subset_indices.json} ({@code "commonsense_qa_test_clean_CC.json n=1221 k=1200": [780, 30, ...]}).
 */
public final class EvaluationIndices {

  private EvaluationIndices() {}

  /**
   * Reads one index list.
   *
   * @param key the list's name in an object file; without it, the list whose name names the dataset (the gold
   *     file's name or the task), narrowed to those with one index per output when several do
   * @param goldFileName the gold file's name, e.g. {@code commonsense_qa_test_clean_CC.json}
   * @param outputs how many outputs the indices must cover
   */
  public static List<Integer> read(Path file, Optional<String> key, Task task, String goldFileName, int outputs)
      throws IOException {
    JsonElement root;
    try (Reader reader = Files.newBufferedReader(file)) {
      root = JsonParser.parseReader(reader);
    } catch (JsonParseException e) {
      throw new IllegalArgumentException(file + " is not valid JSON: " + e.getMessage(), e);
    }
    if (root.isJsonArray()) {
      return indices(root.getAsJsonArray(), file + "");
    }
    if (!root.isJsonObject()) {
      throw new IllegalArgumentException(file + " is not an index file: expected a JSON array of indices or an object "
          + "of named index lists");
    }
    List<Map.Entry<String, JsonElement>> lists = root.getAsJsonObject().entrySet().stream()
        .filter(entry -> entry.getValue().isJsonArray()).toList();
    List<String> names = lists.stream().map(Map.Entry::getKey).toList();
    if (key.isPresent()) {
      return lists.stream().filter(entry -> entry.getKey().equals(key.get())).findFirst()
          .map(entry -> indices(entry.getValue().getAsJsonArray(), file + " list '" + entry.getKey() + "'"))
          .orElseThrow(() -> new IllegalArgumentException(file + " has no index list named '" + key.get()
              + "'; its lists are " + names));
    }
    String dataset = datasetWord(task);
    List<Map.Entry<String, JsonElement>> candidates = lists.size() == 1 ? lists : lists.stream()
        .filter(entry -> entry.getKey().toLowerCase(Locale.ROOT).contains(goldFileName.toLowerCase(Locale.ROOT))
            || entry.getKey().toLowerCase(Locale.ROOT).contains(dataset))
        .toList();
    if (candidates.size() > 1) {
      candidates = candidates.stream().filter(entry -> entry.getValue().getAsJsonArray().size() == outputs).toList();
    }
    if (candidates.size() != 1) {
      throw new IllegalArgumentException("cannot tell which index list of " + file + " belongs to " + goldFileName
          + " with " + outputs + " outputs: name it with --indices-key, one of " + names);
    }
    Map.Entry<String, JsonElement> chosen = candidates.get(0);
    return indices(chosen.getValue().getAsJsonArray(), file + " list '" + chosen.getKey() + "'");
  }

  private static String datasetWord(Task task) {
    return switch (task) {
      case STRATEGYQA -> "strategyqa";
      case COMMONSENSEQA -> "commonsense";
      case TRUTHFULQA -> "truthful";
      case ATLAS -> "atlas";
      case OPEN -> "open";
    };
  }

  private static List<Integer> indices(JsonArray array, String where) {
    List<Integer> indices = new ArrayList<>(array.size());
    for (JsonElement index : array) {
      if (!index.isJsonPrimitive() || !index.getAsJsonPrimitive().isNumber()) {
        throw new IllegalArgumentException(where + " holds '" + index + "', not an index");
      }
      indices.add(index.getAsInt());
    }
    return indices;
  }
}
