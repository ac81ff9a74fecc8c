package io.memreason.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import java.util.List;

/**
 * Global-norm gradient clipping ({@code torch.nn.utils.clip_grad_norm_}): when the norm of all gradients together
 * exceeds the limit, every gradient is scaled by limit / norm. DJL's {@code optClipGrad} is no substitute: it
 * clamps each element, and only from above. Runs outside autograd, after backward.
 */
public final class GradientClipping {
  private GradientClipping() {}

  /**
   * Clips in place and returns the norm before clipping.
   *
   * @param maxNorm the limit; 0 measures without clipping
   * @throws TrainingDivergedException if the norm is not finite (no update should follow)
   */
  public static double clip(List<TrainableParameter> parameters, double maxNorm) {
    try (NDScope scope = new NDScope()) {
      double squares = 0;
      for (TrainableParameter p : parameters) {
        NDArray g = p.array().getGradient();
        squares += g.square().sum().toType(DataType.FLOAT64, false).getDouble();
      }
      double norm = Math.sqrt(squares);
      if (!Double.isFinite(norm)) {
        throw new TrainingDivergedException("the gradient norm is " + norm + ": training diverged; lower --lr or "
            + "raise the warm-up");
      }
      if (maxNorm > 0 && norm > maxNorm) {
        float scale = (float) (maxNorm / (norm + 1e-6));
        for (TrainableParameter p : parameters) {
          p.array().getGradient().muli(scale);
        }
      }
      return norm;
    }
  }
}
