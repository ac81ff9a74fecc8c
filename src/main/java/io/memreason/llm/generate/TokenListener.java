package io.memreason.llm.generate;

/**
 * Receives a sequence as it is generated, on a generator worker thread: every token in order, then exactly
 * one {@link #onFinished} (unless the request is cancelled, after which nothing more is heard). Must be quick:
 * the whole batch waits while a listener runs. An exception thrown here fails only this request.
 */
public interface TokenListener {

  /**
   * @param tokenId the new token
   * @param newText text that became stable with this token (often empty: a character may span several tokens)
   */
  void onToken(int tokenId, String newText);

  void onFinished(Completion completion);
}
