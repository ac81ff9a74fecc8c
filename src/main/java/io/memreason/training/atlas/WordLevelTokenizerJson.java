package io.memreason.training.atlas;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes a Hugging Face {@code tokenizer.json} for a closed word-level vocabulary: one token per word, punctuation
 * mark and newline. The runtime loads it like any other model's tokenizer.
 *
 * <p>The configuration is the resource {@code word-level-tokenizer.json} beside this class, with the vocabulary
 * left empty:
 * <ul>
 *   <li>Pre-tokenizer: runs of spaces and tabs only separate tokens and are dropped, so the spaces the method's
 *       template puts around step tokens cost nothing and a text of spaces encodes to no token at all; the rest is
 *       cut into words and single other characters. Newlines are tokens: every step of the template ends with one.
 *   <li>Post-processor: like Llama's, encoding with special tokens puts BOS first.
 *   <li>Decoder: joins tokens with single spaces (WordPiece with a "##" prefix no token has), then removes the
 *       space before punctuation and newlines and after newlines. "The answer is: Molvia" and "Ilva was born in
 *       Tarsen.\n" come back as written; runs of spaces come back as one. Decode a step's ids together: decoding
 *       ids one by one and concatenating the pieces loses the spaces between words.
 * </ul>
 */
public final class WordLevelTokenizerJson {

  public static final String UNK = "<unk>";
  public static final String BOS = "<s>";
  public static final String EOS = "</s>";
  public static final String PAD = "<pad>";
  /** The special tokens, with ids 0, 1, 2, 3 in this order (the first three as in Llama's tokenizer). */
  public static final List<String> SPECIAL_TOKENS = List.of(UNK, BOS, EOS, PAD);

  private static final String CONFIGURATION = "word-level-tokenizer.json";
  /** The pre-tokenizer's split, in Java. */
  private static final Pattern TOKEN = Pattern.compile("\\w+|[^\\w\\s]|\\n", Pattern.UNICODE_CHARACTER_CLASS);

  private WordLevelTokenizerJson() {}

  /** The tokens the tokenizer cuts {@code text} into, as strings: "Molvia.\n" gives "Molvia", ".", "\n". */
  public static List<String> words(String text) {
    List<String> words = new ArrayList<>();
    Matcher matcher = TOKEN.matcher(text);
    while (matcher.find()) {
      words.add(matcher.group());
    }
    return words;
  }

  /** The whole vocabulary in id order: the special tokens, then {@code words} in their order, without repeats. */
  public static List<String> vocabulary(Collection<String> words) {
    LinkedHashSet<String> vocabulary = new LinkedHashSet<>(SPECIAL_TOKENS);
    vocabulary.addAll(words);
    return List.copyOf(vocabulary);
  }

  /** Writes the tokenizer.json of {@link #vocabulary(Collection) vocabulary(words)} to {@code file}. */
  public static void write(Path file, Collection<String> words) throws IOException {
    JsonObject tokenizer = configuration();
    JsonObject vocab = tokenizer.getAsJsonObject("model").getAsJsonObject("vocab");
    List<String> vocabulary = vocabulary(words);
    for (int id = 0; id < vocabulary.size(); id++) {
      vocab.addProperty(vocabulary.get(id), id);
    }
    Gson gson = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create();
    Files.writeString(file, gson.toJson(tokenizer), StandardCharsets.UTF_8);
  }

  private static JsonObject configuration() {
    try (InputStream in = WordLevelTokenizerJson.class.getResourceAsStream(CONFIGURATION)) {
      if (in == null) {
        throw new IllegalStateException(CONFIGURATION + " is missing from the class path: rebuild memreason");
      }
      return JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + CONFIGURATION, e);
    }
  }
}
