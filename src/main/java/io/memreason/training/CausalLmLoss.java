package io.memreason.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Shifted next-token cross-entropy over the supervised positions of a batch, as transformers' causal-LM loss
 * computes it: the mean over the batch's supervised tokens, here times a factor (1 / gradient accumulation, so
 * the accumulated gradient is that of the mean over micro-batches). Only array operands, so it is safe under
 * autograd.
 */
public final class CausalLmLoss {
  private CausalLmLoss() {}

  /**
   * The loss as a scalar array, differentiable in the logits.
   *
   * @param logits [B, T, vocabulary] of the batch's forward pass
   * @param scale multiplies the mean (e.g. 1 / accumulation steps)
   */
  public static NDArray of(NDManager manager, NDArray logits, Batch batch, double scale) {
    int b = batch.rows();
    int t = batch.length();
    float[] weights = new float[b * t];
    float w = (float) (scale / Math.max(1, batch.supervisedCount()));
    for (int i = 0; i < weights.length; i++) {
      weights[i] = batch.supervised()[i] ? w : 0f;
    }
    NDArray targets = manager.create(batch.targets(), new Shape(b, t, 1));
    NDArray weight = manager.create(weights, new Shape(b, t)).toType(logits.getDataType(), false);
    NDArray logProbabilities = logits.logSoftmax(-1).gather(targets, 2).reshape(b, t);
    return logProbabilities.mul(weight).sum().neg();
  }
}
