package io.memreason.llm.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.memreason.llm.CheckpointException;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Text ↔ token ids for a model: the checkpoint's {@code tokenizer.json} (Hugging Face tokenizers through DJL,
 * loaded from the local file only) plus the step tokens. When the base tokenizer does not know them (memreason's
 * own models), encoding splits the text on the exact step-token strings first and encodes the other segments with
 * the base tokenizer without special tokens, and decoding renders step-token ids as their strings. When
 * {@code tokenizer.json} declares them itself as added tokens (a checkpoint saved after {@code tokenizer.add_tokens},
 * as the reference implementation's are), the tokenizer encodes and decodes the whole text: its own rules then
 * decide how the text around them is matched (a {@code normalized} added token absorbs the space in front of it, as
 * the reference's Llama tokenizers do) and the step tokens have the ids it gives them. {@link #encode} puts the
 * model's BOS in front; decoding skips the tokenizer's special tokens (BOS, EOS). Thread-safe.
 */
public final class TextTokenizer implements AutoCloseable {
  /** The tokenizer files a fine-tuned folder may carry beside its adapter, as transformers saves them. */
  public static final List<String> FILES = List.of("tokenizer.json", "tokenizer_config.json",
      "special_tokens_map.json", "added_tokens.json", "tokenizer.model");

  private final HuggingFaceTokenizer base;
  private final int bosTokenId;
  private final int firstAddedId;
  private final List<String> addedTokens;
  private final Map<String, Integer> addedIds = new HashMap<>();
  private final Pattern addedTokenPattern;
  /** Whether tokenizer.json declares the step tokens itself, so the base tokenizer sees every text whole. */
  private final boolean declaredByTokenizer;

  private TextTokenizer(HuggingFaceTokenizer base, int bosTokenId, int firstAddedId, List<String> addedTokens,
                        Map<String, Integer> declaredIds) {
    this.base = base;
    this.bosTokenId = bosTokenId;
    this.firstAddedId = firstAddedId;
    this.addedTokens = List.copyOf(addedTokens);
    this.declaredByTokenizer = !addedTokens.isEmpty() && declaredIds.keySet().containsAll(addedTokens);
    for (int k = 0; k < addedTokens.size(); k++) {
      addedIds.put(addedTokens.get(k), declaredByTokenizer ? declaredIds.get(addedTokens.get(k)) : firstAddedId + k);
    }
    // Longest first, so a token that is a prefix of another never wins over it.
    this.addedTokenPattern = addedTokens.isEmpty() || declaredByTokenizer ? null : Pattern.compile(addedTokens.stream()
        .sorted(Comparator.comparingInt(String::length).reversed())
        .map(Pattern::quote).collect(Collectors.joining("|")));
  }

  /**
   * Where a model's tokenizer is: the adapter folder's when it has one (a fine-tuned checkpoint saved with its
   * tokenizer and that tokenizer's added tokens, as PEFT users and the reference implementation save them), else the
   * model folder's.
   */
  public static Path folder(Optional<Path> adapterDir, Path modelDir) {
    return adapterDir.filter(dir -> Files.isRegularFile(dir.resolve("tokenizer.json"))).orElse(modelDir);
  }

  /**
   * Loads {@code tokenizer.json} of a model folder.
   *
   * @param bosTokenId the id put in front by {@link #encode}, or -1 for none
   * @param firstAddedId the id of the first added (step) token: the base embedding's row count
   * @param addedTokens the added tokens' strings in id order
   */
  public static TextTokenizer load(Path modelDir, int bosTokenId, int firstAddedId, List<String> addedTokens) {
    Path file = modelDir.resolve("tokenizer.json");
    if (!Files.isRegularFile(file)) {
      throw new CheckpointException("tokenizer.json not found in " + modelDir
          + ": pass a Hugging Face model folder that includes its tokenizer");
    }
    try {
      // DJL truncates to 512 tokens by default; a prompt or a training trace must never be cut silently.
      Map<String, Integer> declared = declaredStepTokens(file, addedTokens);
      HuggingFaceTokenizer base = HuggingFaceTokenizer.newInstance(file, Map.of("truncation", "false", "padding", "false"));
      return new TextTokenizer(base, bosTokenId, firstAddedId, addedTokens, declared);
    } catch (IOException | RuntimeException e) {
      throw new CheckpointException("cannot load " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Loads the tokenizer of a model folder with the BOS its tokenizer files say it adds (see {@link BosToken}):
   * what serving and training put in front of a text.
   *
   * @param configBosId config.json's {@code bos_token_id}, used only when tokenizer_config.json asks for a BOS
   *     without naming one the vocabulary has
   */
  public static TextTokenizer forModel(Path modelDir, int configBosId, int firstAddedId, List<String> addedTokens) {
    if (!Files.isRegularFile(modelDir.resolve("tokenizer.json"))) {
      return load(modelDir, configBosId, firstAddedId, addedTokens);
    }
    return load(modelDir, BosToken.of(modelDir, configBosId), firstAddedId, addedTokens);
  }

  /** The id {@link #encode} puts in front of a text, or -1 when the tokenizer adds no BOS. */
  public int bosTokenId() {
    return bosTokenId;
  }

  /**
   * The ids tokenizer.json's own {@code added_tokens} give the step tokens: all of them, or none. A step token it
   * declares as special is refused, since decoding skips special tokens and the step tokens must stay in the text.
   */
  private static Map<String, Integer> declaredStepTokens(Path file, List<String> stepTokens) throws IOException {
    Map<String, Integer> declared = new HashMap<>();
    JsonElement added;
    try (Reader r = Files.newBufferedReader(file)) {
      added = JsonParser.parseReader(r).getAsJsonObject().get("added_tokens");
    }
    if (added == null || !added.isJsonArray()) {
      return declared;
    }
    for (JsonElement e : added.getAsJsonArray()) {
      JsonObject token = e.getAsJsonObject();
      String content = token.get("content").getAsString();
      if (stepTokens.contains(content)) {
        if (token.has("special") && token.get("special").getAsBoolean()) {
          throw new CheckpointException(file + " declares the step token " + content + " as a special token, which "
              + "decoding would drop; step tokens are plain added tokens (tokenizer.add_tokens, not add_special_tokens)");
        }
        declared.put(content, token.get("id").getAsInt());
      }
    }
    if (!declared.isEmpty() && declared.size() < stepTokens.size()) {
      List<String> missing = stepTokens.stream().filter(t -> !declared.containsKey(t)).toList();
      throw new CheckpointException(file + " declares some step tokens as added tokens but not " + missing
          + ": a tokenizer must know all of them or none");
    }
    return declared;
  }

  /** BOS (when the model has one) followed by {@link #encodePlain}. */
  public int[] encode(String text) {
    int[] plain = encodePlain(text);
    if (bosTokenId < 0) {
      return plain;
    }
    int[] ids = new int[plain.length + 1];
    ids[0] = bosTokenId;
    System.arraycopy(plain, 0, ids, 1, plain.length);
    return ids;
  }

  /** Token ids of a text without any special token: step tokens by their ids, other segments by the base tokenizer. */
  public int[] encodePlain(String text) {
    List<Integer> ids = new ArrayList<>();
    int start = 0;
    if (addedTokenPattern != null) {
      Matcher m = addedTokenPattern.matcher(text);
      while (m.find()) {
        encodeBase(text.substring(start, m.start()), ids);
        ids.add(addedIds.get(m.group()));
        start = m.end();
      }
    }
    encodeBase(text.substring(start), ids);
    return ids.stream().mapToInt(Integer::intValue).toArray();
  }

  private void encodeBase(String segment, List<Integer> out) {
    if (!segment.isEmpty()) {
      for (long id : base.encode(segment, false, false).getIds()) {
        out.add((int) id);
      }
    }
  }

  /** The text of {@code ids[from, to)}. */
  public String decode(int[] ids, int from, int to) {
    StringBuilder text = new StringBuilder();
    if (declaredByTokenizer) {
      decodeBase(ids, from, to, text);
      return text.toString();
    }
    int runStart = from;
    for (int i = from; i < to; i++) {
      if (ids[i] >= firstAddedId) {
        decodeBase(ids, runStart, i, text);
        int k = ids[i] - firstAddedId;
        if (k < addedTokens.size()) {
          text.append(addedTokens.get(k));
        }
        runStart = i + 1;
      }
    }
    decodeBase(ids, runStart, to, text);
    return text.toString();
  }

  public String decode(int[] ids) {
    return decode(ids, 0, ids.length);
  }

  private void decodeBase(int[] ids, int from, int to, StringBuilder out) {
    if (to > from) {
      long[] run = new long[to - from];
      for (int i = from; i < to; i++) {
        run[i - from] = ids[i];
      }
      out.append(base.decode(run, true));
    }
  }

  /** The id of an added (step) token. */
  public OptionalInt addedTokenId(String token) {
    Integer id = addedIds.get(token);
    return id == null ? OptionalInt.empty() : OptionalInt.of(id);
  }

  public List<String> addedTokens() {
    return addedTokens;
  }

  @Override
  public void close() {
    base.close();
  }
}
