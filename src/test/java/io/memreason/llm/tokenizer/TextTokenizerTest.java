package io.memreason.llm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
}
