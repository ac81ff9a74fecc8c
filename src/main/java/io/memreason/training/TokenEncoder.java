package io.memreason.training;

/**
 * Turns text into token ids, without BOS or EOS. The model's tokenizer implements it; it splits the text on the
 * step-token strings first and encodes the pieces between them with the base tokenizer.
 */
@FunctionalInterface
public interface TokenEncoder {
  int[] encode(String text);
}
