package io.memreason.llm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.memreason.llm.random.ByteLevelTokenizerJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The BOS in front of a prompt comes from the tokenizer files, shaped here as each family's are: Llama-3's template
 * inside a Sequence, Llama-2 / Mistral's add_bos_token, Qwen2's byte-level post-processor that adds nothing although
 * config.json names a bos_token_id.
 */
class BosTokenTest {
  private static final int VOCABULARY = 300;
  /** config.json's bos_token_id in these folders: 7, so that it is told apart from the tokenizer's {@code <s>} 1. */
  private static final int CONFIG_BOS = 7;

  @TempDir
  Path dir;

  private Path folder(String name, String postProcessor, String tokenizerConfig) throws IOException {
    Path f = Files.createDirectories(dir.resolve(name));
    JsonObject tokenizer = JsonParser.parseString(ByteLevelTokenizerJson.json(VOCABULARY)).getAsJsonObject();
    tokenizer.add("post_processor", JsonParser.parseString(postProcessor));
    Files.writeString(f.resolve("tokenizer.json"), tokenizer.toString());
    if (tokenizerConfig != null) {
      Files.writeString(f.resolve("tokenizer_config.json"), tokenizerConfig);
    }
    return f;
  }

  private static final String BYTE_LEVEL =
      "{\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": false, \"use_regex\": true}";
  private static final String TEMPLATE = "{\"type\": \"TemplateProcessing\", \"single\": [{\"SpecialToken\": "
      + "{\"id\": \"<s>\", \"type_id\": 0}}, {\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}], \"pair\": [], "
      + "\"special_tokens\": {\"<s>\": {\"id\": \"<s>\", \"ids\": [1], \"tokens\": [\"<s>\"]}}}";

  private static int[] encoded(Path folder, String text) {
    try (TextTokenizer t = TextTokenizer.forModel(folder, CONFIG_BOS, VOCABULARY, List.of())) {
      return t.encode(text);
    }
  }

  @Test
  void llama3TemplateInsideASequencePutsItsTokenFirst() throws IOException {
    Path f = folder("llama3", "{\"type\": \"Sequence\", \"processors\": [" + BYTE_LEVEL + ", " + TEMPLATE + "]}", null);
    assertEquals(1, BosToken.of(f, CONFIG_BOS));
    assertArrayEquals(new int[] {1, ByteLevelTokenizerJson.FIRST_BYTE + 'a'}, encoded(f, "a"));
  }

  @Test
  void qwen2sByteLevelProcessorAddsNoBosWhateverConfigJsonSays() throws IOException {
    Path f = folder("qwen2", BYTE_LEVEL, "{\"bos_token\": null, \"eos_token\": \"</s>\", "
        + "\"tokenizer_class\": \"Qwen2Tokenizer\"}");
    assertEquals(BosToken.NONE, BosToken.of(f, CONFIG_BOS));
    assertArrayEquals(new int[] {ByteLevelTokenizerJson.FIRST_BYTE + 'a'}, encoded(f, "a"));
  }

  @Test
  void addBosTokenDecidesWhenTokenizerConfigHasIt() throws IOException {
    Path llama2 = folder("llama2", TEMPLATE, "{\"add_bos_token\": true, \"bos_token\": {\"content\": \"<s>\", "
        + "\"lstrip\": false}, \"tokenizer_class\": \"LlamaTokenizer\"}");
    assertEquals(1, BosToken.of(llama2, CONFIG_BOS));
    Path switchedOff = folder("off", TEMPLATE, "{\"add_bos_token\": false, \"bos_token\": \"<s>\"}");
    assertEquals(BosToken.NONE, BosToken.of(switchedOff, CONFIG_BOS));
    Path switchedOn = folder("on", BYTE_LEVEL, "{\"add_bos_token\": true, \"bos_token\": \"<s>\"}");
    assertEquals(1, BosToken.of(switchedOn, CONFIG_BOS));
    Path unnamed = folder("unnamed", BYTE_LEVEL, "{\"add_bos_token\": true, \"bos_token\": \"<bos-not-in-vocab>\"}");
    assertEquals(CONFIG_BOS, BosToken.of(unnamed, CONFIG_BOS));
  }

  @Test
  void noPostProcessorMeansNoBos() throws IOException {
    assertEquals(BosToken.NONE, BosToken.of(folder("none", "null", null), CONFIG_BOS));
  }
}
