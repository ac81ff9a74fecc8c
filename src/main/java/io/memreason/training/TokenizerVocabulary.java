package io.memreason.training;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.memreason.llm.CheckpointException;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The string → id table of a {@code tokenizer.json}, for looking up a bare vocabulary entry the way
 * transformers' {@code convert_tokens_to_ids} does (the entry itself, no word-start marker such as ▁ or Ġ),
 * falling back to the unknown token. DJL's tokenizer binding has no such lookup, so the file is read here.
 */
public final class TokenizerVocabulary {
  /** A model without a tokenizer: no entries and no unknown token. */
  public static final TokenizerVocabulary NONE = new TokenizerVocabulary(Map.of(), OptionalInt.empty());

  private final Map<String, Integer> ids;
  private final OptionalInt unknownId;

  private TokenizerVocabulary(Map<String, Integer> ids, OptionalInt unknownId) {
    this.ids = Map.copyOf(ids);
    this.unknownId = unknownId;
  }

  /** Reads {@code tokenizer.json} of a model folder: {@code model.vocab}, {@code model.unk_token}, {@code added_tokens}. */
  public static TokenizerVocabulary read(Path modelDir) {
    Path file = modelDir.resolve("tokenizer.json");
    try (Reader r = Files.newBufferedReader(file)) {
      JsonObject root = JsonParser.parseReader(r).getAsJsonObject();
      JsonObject model = root.getAsJsonObject("model");
      Map<String, Integer> ids = new HashMap<>();
      JsonElement vocab = model.get("vocab");
      if (vocab != null && vocab.isJsonObject()) {
        vocab.getAsJsonObject().entrySet().forEach(e -> ids.put(e.getKey(), e.getValue().getAsInt()));
      } else if (vocab != null && vocab.isJsonArray()) {
        // Unigram: [[piece, score], ...], the id being the position.
        for (int i = 0; i < vocab.getAsJsonArray().size(); i++) {
          ids.put(vocab.getAsJsonArray().get(i).getAsJsonArray().get(0).getAsString(), i);
        }
      }
      if (root.has("added_tokens") && root.get("added_tokens").isJsonArray()) {
        root.getAsJsonArray("added_tokens").forEach(t -> ids.put(t.getAsJsonObject().get("content").getAsString(),
            t.getAsJsonObject().get("id").getAsInt()));
      }
      OptionalInt unknown = OptionalInt.empty();
      JsonElement unk = model.get("unk_token");
      if (unk != null && unk.isJsonPrimitive()) {
        unknown = unk.getAsJsonPrimitive().isNumber() ? OptionalInt.of(unk.getAsInt())
            : ids.containsKey(unk.getAsString()) ? OptionalInt.of(ids.get(unk.getAsString())) : OptionalInt.empty();
      } else if (model.has("unk_id") && model.get("unk_id").isJsonPrimitive()) {
        unknown = OptionalInt.of(model.get("unk_id").getAsInt());
      }
      return new TokenizerVocabulary(ids, unknown);
    } catch (IOException | RuntimeException e) {
      throw new CheckpointException("cannot read the vocabulary of " + file + ": " + e.getMessage(), e);
    }
  }

  /** The entry's id, else the unknown token's id, else empty (then callers use the mean of all rows). */
  public OptionalInt idOrUnknown(String entry) {
    Integer id = ids.get(entry);
    return id != null ? OptionalInt.of(id) : unknownId;
  }
}
