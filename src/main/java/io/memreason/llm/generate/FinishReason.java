package io.memreason.llm.generate;

/** Why a sequence stopped. */
public enum FinishReason {
  /** It produced one of the model's end-of-sequence tokens (included in the output). */
  EOS,
  /** It reached the request's maximum of new tokens. */
  MAX_NEW_TOKENS,
  /** Prompt plus generated tokens reached the generator's maximum sequence length. */
  MAX_LENGTH,
  /** The model or the listener failed, or the generator closed first; the completion carries the exception. */
  FAILED
}
