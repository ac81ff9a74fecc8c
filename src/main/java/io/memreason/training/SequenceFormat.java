package io.memreason.training;

/**
 * How a training text becomes a {@link TrainingSequence}, as the reference builds it: BOS (when the model's
 * tokenizer adds one) + tokens(question + target), cut to {@code maxLength} tokens (BOS included), then EOS, so a
 * cut sequence has {@code maxLength + 1} tokens. The question's tokens are masked from the loss.
 *
 * <p>The reference masks one token too few: it ignores the first {@code len(BOS + question) - 1} positions, so
 * the model is also trained to predict the question's last token. memreason masks the whole question by default;
 * {@code reproduceReferenceMaskOffByOne} restores the reference's mask for exact replication.
 *
 * <p>Like the reference, the question is tokenized on its own to find the boundary; a tokenizer that merges
 * across the question/target boundary can shift it by a token.
 *
 * @param bosId the BOS the model's tokenizer puts in front of a text, or -1 for a tokenizer that adds none (Qwen2's):
 *     training sequences start the way the model's prompts do
 * @param maxLength the most tokens before EOS, BOS included (the reference's {@code model_max_length})
 */
public record SequenceFormat(int bosId, int eosId, int maxLength, boolean reproduceReferenceMaskOffByOne) {

  public SequenceFormat {
    if (maxLength < 2) {
      throw new IllegalArgumentException("max length must leave room for BOS and a token, got " + maxLength);
    }
  }

  /** The current memreason format: the whole question masked. */
  public static SequenceFormat of(int bosId, int eosId, int maxLength) {
    return new SequenceFormat(bosId, eosId, maxLength, false);
  }

  /** Tokenizes one training text. */
  public TrainingSequence encode(TrainingText text, TokenEncoder encoder) {
    int bos = bosId >= 0 ? 1 : 0;
    int[] all = encoder.encode(text.text());
    int kept = Math.min(bos + all.length, maxLength);
    int[] ids = new int[kept + 1];
    if (bos == 1) {
      ids[0] = bosId;
    }
    System.arraycopy(all, 0, ids, bos, kept - bos);
    ids[kept] = eosId;
    int questionLength = Math.min(bos + encoder.encode(text.question()).length, maxLength);
    int firstSupervised = reproduceReferenceMaskOffByOne ? questionLength - 1 : questionLength;
    return new TrainingSequence(ids, Math.max(1, firstSupervised));
  }
}
