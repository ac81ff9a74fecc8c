package io.memreason.llm.tokenizer;

import java.util.Arrays;

/**
 * Turns a stream of generated token ids into text pieces that never change afterwards. A token may end in the
 * middle of a UTF-8 character, and tokenizers decode a token differently at the start of a text (SentencePiece
 * drops a leading space), so each new token is decoded together with the few tokens before it and text is
 * released only when it no longer ends in an incomplete character (the approach of Hugging Face's
 * text-generation-inference). Not thread-safe: one per sequence.
 */
public final class IncrementalDecoder {
  /** Tokens of context before the first generated one, so its leading space decodes as in the full text. */
  private static final int CONTEXT_TOKENS = 5;

  private final TextTokenizer tokenizer;
  private int[] ids;
  private int size;
  private int prefixOffset;
  private int readOffset;

  /** @param prompt the prompt's tokens; its last few give the first generated token its context */
  public IncrementalDecoder(TextTokenizer tokenizer, int[] prompt) {
    this.tokenizer = tokenizer;
    int context = Math.min(CONTEXT_TOKENS, prompt.length);
    this.ids = new int[16];
    System.arraycopy(prompt, prompt.length - context, ids, 0, context);
    this.size = context;
    this.prefixOffset = 0;
    this.readOffset = context;
  }

  /** Adds a token and returns the text that became stable (often empty). */
  public String add(int token) {
    if (size == ids.length) {
      ids = Arrays.copyOf(ids, ids.length * 2);
    }
    ids[size++] = token;
    String before = tokenizer.decode(ids, prefixOffset, readOffset);
    String after = tokenizer.decode(ids, prefixOffset, size);
    if (after.length() > before.length() && !after.endsWith("\uFFFD")) {
      prefixOffset = readOffset;
      readOffset = size;
      return after.substring(before.length());
    }
    return "";
  }

  /** The text still held back (e.g. an incomplete character at the very end); the decoder is done after this. */
  public String finish() {
    String before = tokenizer.decode(ids, prefixOffset, readOffset);
    String after = tokenizer.decode(ids, prefixOffset, size);
    prefixOffset = readOffset = size;
    return after.length() > before.length() ? after.substring(before.length()) : "";
  }
}
