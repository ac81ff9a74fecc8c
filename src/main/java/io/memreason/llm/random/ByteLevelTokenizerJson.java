package io.memreason.llm.random;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A Hugging Face {@code tokenizer.json} for random models: GPT-2's byte-level BPE without merges, so any text
 * encodes to one token per UTF-8 byte and decodes back exactly (multi-byte characters span several tokens,
 * like real tokenizers' rare characters). Ids: {@code <unk>} 0, {@code <s>} 1 (BOS, which its post-processor puts
 * in front of a text, as Llama's tokenizers do), {@code </s>} 2 (EOS), the 256 bytes from 3, then unused
 * {@code <extra_k>} entries up to the vocabulary size.
 */
public final class ByteLevelTokenizerJson {
  public static final int UNK = 0;
  public static final int BOS = 1;
  public static final int EOS = 2;
  public static final int FIRST_BYTE = 3;

  private ByteLevelTokenizerJson() {}

  /** The tokenizer.json text for a vocabulary of {@code vocabularySize} (at least 259) ids. */
  public static String json(int vocabularySize) {
    if (vocabularySize < FIRST_BYTE + 256) {
      throw new IllegalArgumentException("a byte-level vocabulary needs at least 259 ids, not " + vocabularySize);
    }
    JsonObject vocab = new JsonObject();
    vocab.addProperty("<unk>", UNK);
    vocab.addProperty("<s>", BOS);
    vocab.addProperty("</s>", EOS);
    List<String> bytes = byteSymbols();
    for (int b = 0; b < 256; b++) {
      vocab.addProperty(bytes.get(b), FIRST_BYTE + b);
    }
    for (int id = FIRST_BYTE + 256; id < vocabularySize; id++) {
      vocab.addProperty("<extra_" + id + ">", id);
    }
    JsonObject model = new JsonObject();
    model.addProperty("type", "BPE");
    model.add("dropout", JsonNull.INSTANCE);
    model.add("unk_token", JsonNull.INSTANCE);
    model.add("continuing_subword_prefix", JsonNull.INSTANCE);
    model.add("end_of_word_suffix", JsonNull.INSTANCE);
    model.addProperty("fuse_unk", false);
    model.addProperty("byte_fallback", false);
    model.add("vocab", vocab);
    model.add("merges", new JsonArray());

    JsonArray added = new JsonArray();
    added.add(special(UNK, "<unk>"));
    added.add(special(BOS, "<s>"));
    added.add(special(EOS, "</s>"));

    JsonObject root = new JsonObject();
    root.addProperty("version", "1.0");
    root.add("truncation", JsonNull.INSTANCE);
    root.add("padding", JsonNull.INSTANCE);
    root.add("added_tokens", added);
    root.add("normalizer", JsonNull.INSTANCE);
    root.add("pre_tokenizer", byteLevel());
    root.add("post_processor", bosTemplate());
    root.add("decoder", byteLevel());
    root.add("model", model);
    return root.toString();
  }

  /** The post-processor that puts {@code <s>} in front of a text, as Llama's tokenizers do. */
  private static JsonObject bosTemplate() {
    JsonObject bos = new JsonObject();
    bos.add("SpecialToken", piece("<s>"));
    JsonObject text = new JsonObject();
    text.add("Sequence", piece("A"));
    JsonArray single = new JsonArray();
    single.add(bos);
    single.add(text);
    JsonObject token = new JsonObject();
    token.addProperty("id", "<s>");
    JsonArray ids = new JsonArray();
    ids.add(BOS);
    token.add("ids", ids);
    JsonArray tokens = new JsonArray();
    tokens.add("<s>");
    token.add("tokens", tokens);
    JsonObject specialTokens = new JsonObject();
    specialTokens.add("<s>", token);
    JsonObject o = new JsonObject();
    o.addProperty("type", "TemplateProcessing");
    o.add("single", single);
    JsonArray pair = new JsonArray();
    pair.add(bos);
    pair.add(text);
    JsonObject second = new JsonObject();
    second.add("Sequence", piece("B"));
    pair.add(second);
    o.add("pair", pair);
    o.add("special_tokens", specialTokens);
    return o;
  }

  private static JsonObject piece(String id) {
    JsonObject o = new JsonObject();
    o.addProperty("id", id);
    o.addProperty("type_id", 0);
    return o;
  }

  private static JsonObject byteLevel() {
    JsonObject o = new JsonObject();
    o.addProperty("type", "ByteLevel");
    o.addProperty("add_prefix_space", false);
    o.addProperty("trim_offsets", true);
    o.addProperty("use_regex", true);
    return o;
  }

  private static JsonObject special(int id, String content) {
    JsonObject o = new JsonObject();
    o.addProperty("id", id);
    o.addProperty("content", content);
    o.addProperty("single_word", false);
    o.addProperty("lstrip", false);
    o.addProperty("rstrip", false);
    o.addProperty("normalized", false);
    o.addProperty("special", true);
    return o;
  }

  /** GPT-2's printable stand-in for each byte (its {@code bytes_to_unicode}). */
  static List<String> byteSymbols() {
    String[] symbols = new String[256];
    List<Integer> direct = new ArrayList<>();
    for (int b = '!'; b <= '~'; b++) {
      direct.add(b);
    }
    for (int b = 0xA1; b <= 0xAC; b++) {
      direct.add(b);
    }
    for (int b = 0xAE; b <= 0xFF; b++) {
      direct.add(b);
    }
    int shifted = 0;
    for (int b = 0; b < 256; b++) {
      int codePoint = direct.contains(b) ? b : 256 + shifted++;
      symbols[b] = new String(Character.toChars(codePoint));
    }
    return List.of(symbols);
  }
}
