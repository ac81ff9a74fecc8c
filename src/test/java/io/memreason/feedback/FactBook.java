package io.memreason.feedback;

import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The "weights" of the scripted stand-in model of the learning tests: what it knows, as question → fact and answer,
 * in {@value #FILE} of a version's folder. A fact book is learned from labelled traces by {@link FactBookTrainer} and
 * answered from by {@link FactBookReasoner}, so a retrained version really answers differently from its parent.
 */
record FactBook(Map<String, Fact> facts) {
  static final String FILE = "facts.json";
  private static final Gson GSON = new Gson();

  /** What the model recalls for a question (its memory step) and answers. */
  record Fact(String memory, String answer) {}

  FactBook {
    facts = new TreeMap<>(facts);
  }

  static FactBook empty() {
    return new FactBook(Map.of());
  }

  /** The fact book in a folder; an empty one when the folder has none. */
  static FactBook in(Optional<Path> folder) {
    Optional<Path> file = folder.map(f -> f.resolve(FILE)).filter(Files::isRegularFile);
    if (file.isEmpty()) {
      return empty();
    }
    try {
      Map<String, Fact> facts = GSON.fromJson(Files.readString(file.get(), StandardCharsets.UTF_8),
          new TypeToken<Map<String, Fact>>() {}.getType());
      return new FactBook(facts);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  FactBook with(String question, Fact fact) {
    TreeMap<String, Fact> more = new TreeMap<>(facts);
    more.put(question, fact);
    return new FactBook(more);
  }

  Optional<Fact> recall(String question) {
    return Optional.ofNullable(facts.get(question));
  }

  void writeTo(Path folder) {
    try {
      Files.createDirectories(folder);
      Files.writeString(folder.resolve(FILE), GSON.toJson(facts), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
