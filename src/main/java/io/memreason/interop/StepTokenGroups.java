package io.memreason.interop;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.memreason.llm.CheckpointException;
import io.memreason.reasoning.StepTokens;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The step tokens of a reference checkpoint: its token groups ({@code prompt_text.json}: prefix, answer, assignment,
 * reason, then memory or the older rag), and the ids the checkpoint's tokenizer gave them when {@code train.py} added
 * them, consecutive in that order.
 *
 * @param from where the groups came from: prompt_text.json, or the tokenizer's added tokens
 * @param firstId the id of the first step token in the checkpoint's tokenizer
 */
record StepTokenGroups(StepTokens tokens, String from, int firstId) {
  private static final Pattern STEP_TOKEN = Pattern.compile("<(prefix|answer|assignment|reason|memory|rag)_\\d+>");

  private record AddedToken(int id, boolean special) {}

  static StepTokenGroups read(ReferenceCheckpoint checkpoint) {
    Path tokenizer = checkpoint.dir().resolve("tokenizer.json");
    Map<String, AddedToken> added = addedTokens(tokenizer);
    StepTokens tokens;
    String from;
    if (checkpoint.promptText().isPresent()) {
      Path file = checkpoint.promptText().get();
      tokens = stepTokens(fromPromptText(file), file.toString());
      from = file.toAbsolutePath().normalize().toString();
    } else {
      // Training stopped before writing prompt_text.json: the tokenizer added the same tokens in the same order.
      List<String> names = added.entrySet().stream().filter(e -> STEP_TOKEN.matcher(e.getKey()).matches())
          .sorted(Comparator.comparingInt(e -> e.getValue().id())).map(Map.Entry::getKey).toList();
      tokens = stepTokens(names, tokenizer + "'s added tokens");
      from = "the tokenizer's added tokens (no " + ReferenceCheckpoint.PROMPT_TEXT + ")";
    }
    return new StepTokenGroups(tokens, from, consecutiveIds(tokenizer, tokens, added));
  }

  private static List<String> fromPromptText(Path file) {
    JsonObject groups;
    try (Reader r = Files.newBufferedReader(file)) {
      groups = JsonParser.parseReader(r).getAsJsonObject();
    } catch (IOException | RuntimeException e) {
      throw new CheckpointException("cannot read " + file + " (the token groups, {\"prefix\": \" <prefix_0> ...\", "
          + "...}): " + e.getMessage(), e);
    }
    List<String> keys = new ArrayList<>(groups.keySet());
    if (keys.size() != 5 || !keys.subList(0, 4).equals(List.of("prefix", "answer", "assignment", "reason"))
        || !(keys.get(4).equals(StepTokens.MEMORY) || keys.get(4).equals(StepTokens.LEGACY_MEMORY))) {
      throw new CheckpointException(file + " has the token groups " + keys + ", not [prefix, answer, assignment, "
          + "reason, memory]: the run was not trained with --extract_step_type_tokens memory (memory and reason step "
          + "tokens), which is what memreason serves");
    }
    List<String> tokens = new ArrayList<>();
    for (String key : keys) {
      // eval.py's reading: the tokens are what precedes each '>', spaces around them aside.
      String[] pieces = groups.get(key).getAsString().split(">", -1);
      for (int i = 0; i < pieces.length - 1; i++) {
        tokens.add(pieces[i].strip() + ">");
      }
      if (!pieces[pieces.length - 1].isBlank()) {
        throw new CheckpointException(file + ": group '" + key + "' ends with '" + pieces[pieces.length - 1]
            + "' after its last token");
      }
    }
    return tokens;
  }

  private static StepTokens stepTokens(List<String> tokens, String where) {
    try {
      return StepTokens.fromTokens(tokens);
    } catch (IllegalArgumentException e) {
      throw new CheckpointException(where + ": " + e.getMessage(), e);
    }
  }

  private static Map<String, AddedToken> addedTokens(Path tokenizer) {
    if (!Files.isRegularFile(tokenizer)) {
      throw new CheckpointException("no tokenizer.json in " + tokenizer.getParent() + ": eval.py loads the tokenizer "
          + "from the checkpoint, and memreason needs its fast-tokenizer file (AutoTokenizer.from_pretrained(ckpt)"
          + ".save_pretrained(ckpt) writes it)");
    }
    Map<String, AddedToken> added = new LinkedHashMap<>();
    try (Reader r = Files.newBufferedReader(tokenizer)) {
      JsonElement list = JsonParser.parseReader(r).getAsJsonObject().get("added_tokens");
      if (list != null && list.isJsonArray()) {
        for (JsonElement e : list.getAsJsonArray()) {
          JsonObject t = e.getAsJsonObject();
          added.put(t.get("content").getAsString(), new AddedToken(t.get("id").getAsInt(),
              t.has("special") && t.get("special").getAsBoolean()));
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new CheckpointException("cannot read the added tokens of " + tokenizer + ": " + e.getMessage(), e);
    }
    return added;
  }

  /** The id of the first step token; the others must follow it in order, as train.py's add_tokens gave them. */
  private static int consecutiveIds(Path tokenizer, StepTokens tokens, Map<String, AddedToken> added) {
    List<String> all = tokens.tokens();
    List<String> missing = all.stream().filter(t -> !added.containsKey(t)).toList();
    if (!missing.isEmpty()) {
      throw new CheckpointException(tokenizer + " does not declare the step tokens " + missing + " as added tokens: "
          + "it is not the tokenizer the run was trained with");
    }
    int first = added.get(all.get(0)).id();
    for (int k = 0; k < all.size(); k++) {
      AddedToken t = added.get(all.get(k));
      if (t.id() != first + k) {
        throw new CheckpointException(tokenizer + " gives " + all.get(k) + " the id " + t.id() + ", not " + (first + k)
            + ": the step tokens are not consecutive in the order of their groups");
      }
      if (t.special()) {
        throw new CheckpointException(tokenizer + " declares " + all.get(k) + " as a special token; the reference "
            + "adds plain tokens (tokenizer.add_tokens)");
      }
    }
    return first;
  }
}
