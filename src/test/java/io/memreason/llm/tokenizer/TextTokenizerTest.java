package io.memreason.llm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.memreason.llm.CheckpointException;
import io.memreason.llm.random.ByteLevelTokenizerJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextTokenizerTest {
  private static final int VOCABULARY = 300;

  @TempDir
  static Path dir;
  static TextTokenizer tokenizer;

  @BeforeAll
  static void load() throws IOException {
    Files.writeString(dir.resolve("tokenizer.json"), ByteLevelTokenizerJson.json(VOCABULARY));
    tokenizer = TextTokenizer.load(dir, ByteLevelTokenizerJson.BOS, VOCABULARY, List.of("<prefix_0>", "<memory_0>"));
  }

  @AfterAll
  static void close() {
    tokenizer.close();
  }

  @Test
  void encodingPutsBosFirstAndAddedTokensAsSingleIds() {
    int[] ids = tokenizer.encode("a<memory_0> b<prefix_0>");
    int a = ByteLevelTokenizerJson.FIRST_BYTE + 'a';
    int space = ByteLevelTokenizerJson.FIRST_BYTE + ' ';
    int b = ByteLevelTokenizerJson.FIRST_BYTE + 'b';
    assertArrayEquals(new int[] {ByteLevelTokenizerJson.BOS, a, VOCABULARY + 1, space, b, VOCABULARY}, ids);
    assertArrayEquals(new int[] {a}, tokenizer.encodePlain("a"));
  }

  @Test
  void aTextLongerThanTheTokenizersModelMaxLengthIsNotTruncated() {
    String text = "x".repeat(2000); // one byte token each; DJL's default truncation would stop at 512
    assertEquals(2000, tokenizer.encodePlain(text).length);
    assertEquals(text, tokenizer.decode(tokenizer.encodePlain(text)));
  }

  @Test
  void decodingSkipsSpecialTokensAndRendersAddedOnes() {
    String text = "Question: naïve 日本?\n <prefix_0> <memory_0> ok";
    int[] ids = tokenizer.encode(text);
    int[] withEos = Arrays.copyOf(ids, ids.length + 1);
    withEos[ids.length] = ByteLevelTokenizerJson.EOS;
    assertEquals(text, tokenizer.decode(withEos));
    assertEquals(VOCABULARY + 1, tokenizer.addedTokenId("<memory_0>").orElseThrow());
  }

  @Test
  void incrementalDecoderReleasesOnlyCompleteCharacters() {
    String text = "a日本<memory_0>é z";
    int[] prompt = tokenizer.encode("prompt ");
    int[] generated = tokenizer.encodePlain(text);
    // "日" is three bytes, so three tokens; nothing may be released before its last byte.
    assertEquals(3, "日".getBytes(StandardCharsets.UTF_8).length);
    IncrementalDecoder decoder = new IncrementalDecoder(tokenizer, prompt);
    StringBuilder out = new StringBuilder();
    List<String> pieces = new ArrayList<>();
    for (int id : generated) {
      String piece = decoder.add(id);
      assertFalse(piece.contains("\uFFFD"), "piece '" + piece + "' has a broken character");
      pieces.add(piece);
      out.append(piece);
    }
    out.append(decoder.finish());
    assertEquals(text, out.toString());
    assertEquals(List.of("a", "", "", "日", "", "", "本", "<memory_0>", "", "é", " ", "z"), pieces);
  }

  @Test
  void heldBackBytesAreDeliveredByFinish() {
    byte[] utf8 = "日".getBytes(StandardCharsets.UTF_8);
    IncrementalDecoder decoder = new IncrementalDecoder(tokenizer, new int[] {ByteLevelTokenizerJson.BOS});
    assertEquals("", decoder.add(ByteLevelTokenizerJson.FIRST_BYTE + (utf8[0] & 0xff)));
    assertEquals("", decoder.add(ByteLevelTokenizerJson.FIRST_BYTE + (utf8[1] & 0xff)));
    String tail = decoder.finish();
    assertTrue(tail.contains("\uFFFD"), "an incomplete character decodes as a replacement: " + tail);
  }

  @Test
  void aTokenizerThatDeclaresTheStepTokensMatchesThemByItsOwnRules(@TempDir Path own) throws IOException {
    // As tokenizer.add_tokens saves them, here with lstrip: the token absorbs the space in front of it.
    Files.writeString(own.resolve("tokenizer.json"), withAddedTokens(
        "{\"id\": 300, \"content\": \"<prefix_0>\", \"lstrip\": true, \"special\": false}",
        "{\"id\": 301, \"content\": \"<memory_0>\", \"lstrip\": true, \"special\": false}"));
    int a = ByteLevelTokenizerJson.FIRST_BYTE + 'a';
    int space = ByteLevelTokenizerJson.FIRST_BYTE + ' ';
    try (TextTokenizer declared = TextTokenizer.load(own, ByteLevelTokenizerJson.BOS, VOCABULARY,
        List.of("<prefix_0>", "<memory_0>"))) {
      assertArrayEquals(new int[] {a, VOCABULARY + 1, space, a}, declared.encodePlain("a <memory_0> a"));
      assertEquals("a<memory_0> a", declared.decode(new int[] {ByteLevelTokenizerJson.BOS, a, VOCABULARY + 1, space, a,
          ByteLevelTokenizerJson.EOS}));
    }
    // memreason's own splitting keeps the space as a token of its own.
    assertArrayEquals(new int[] {a, space, VOCABULARY + 1, space, a}, tokenizer.encodePlain("a <memory_0> a"));
  }

  @Test
  void aTokenizerMustDeclareEveryStepTokenOrNoneAndNoneAsSpecial(@TempDir Path own) throws IOException {
    Files.writeString(own.resolve("tokenizer.json"), withAddedTokens(
        "{\"id\": 300, \"content\": \"<prefix_0>\", \"special\": false}"));
    CheckpointException e = assertThrows(CheckpointException.class, () -> TextTokenizer.load(own,
        ByteLevelTokenizerJson.BOS, VOCABULARY, List.of("<prefix_0>", "<memory_0>")));
    assertTrue(e.getMessage().contains("declares some step tokens as added tokens but not [<memory_0>]"), e.getMessage());
    Files.writeString(own.resolve("tokenizer.json"), withAddedTokens(
        "{\"id\": 300, \"content\": \"<prefix_0>\", \"special\": true}"));
    e = assertThrows(CheckpointException.class, () -> TextTokenizer.load(own, ByteLevelTokenizerJson.BOS, VOCABULARY,
        List.of("<prefix_0>")));
    assertTrue(e.getMessage().contains("declares the step token <prefix_0> as a special token"), e.getMessage());
  }

  private static String withAddedTokens(String... tokens) {
    JsonObject json = JsonParser.parseString(ByteLevelTokenizerJson.json(VOCABULARY)).getAsJsonObject();
    for (String token : tokens) {
      JsonObject t = JsonParser.parseString(token).getAsJsonObject();
      for (String flag : List.of("single_word", "lstrip", "rstrip")) {
        if (!t.has(flag)) {
          t.addProperty(flag, false);
        }
      }
      t.addProperty("normalized", false);
      json.getAsJsonArray("added_tokens").add(t);
    }
    return json.toString();
  }
}
