package io.memreason.training;

import java.util.List;

/**
 * Sequences padded on the right into one forward pass, with what the loss needs: at position p the target is the
 * token at p + 1, weighted when that token is supervised (after the question, not padding).
 *
 * @param ids [B][T], padding 0
 * @param attentionMask [B][T], 1 for a real token
 * @param targets B·T next-token ids (0 where unweighted)
 * @param supervised B·T flags: whether position p's prediction counts in the loss
 * @param supervisedCount how many predictions count
 * @param tokenCount real (unpadded) tokens
 */
public record Batch(int[][] ids, int[][] attentionMask, long[] targets, boolean[] supervised, int supervisedCount,
                    int tokenCount) {

  public static Batch of(List<TrainingSequence> sequences) {
    int b = sequences.size();
    int t = sequences.stream().mapToInt(TrainingSequence::length).max().orElseThrow();
    int[][] ids = new int[b][t];
    int[][] mask = new int[b][t];
    long[] targets = new long[b * t];
    boolean[] supervised = new boolean[b * t];
    int count = 0;
    int tokens = 0;
    for (int r = 0; r < b; r++) {
      TrainingSequence s = sequences.get(r);
      int[] row = s.ids();
      System.arraycopy(row, 0, ids[r], 0, row.length);
      tokens += row.length;
      for (int p = 0; p < row.length; p++) {
        mask[r][p] = 1;
        if (p + 1 < row.length && p + 1 >= s.firstSupervisedPosition()) {
          targets[r * t + p] = row[p + 1];
          supervised[r * t + p] = true;
          count++;
        }
      }
    }
    return new Batch(ids, mask, targets, supervised, count, tokens);
  }

  public int rows() {
    return ids.length;
  }

  public int length() {
    return ids[0].length;
  }
}
