package io.memreason.llm.generate;

import java.util.Optional;

/**
 * How a sequence ended.
 *
 * @param tokens the generated token ids (prompt excluded)
 * @param text the generated text: every piece passed to {@link TokenListener#onToken} plus any text held back
 *     until the end (empty when the model has no tokenizer)
 * @param error set when {@code reason} is FAILED
 */
public record Completion(String requestId, FinishReason reason, int promptTokens, int[] tokens, String text,
                         Optional<Throwable> error) {

  public int generatedTokens() {
    return tokens.length;
  }
}
