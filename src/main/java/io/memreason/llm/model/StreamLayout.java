package io.memreason.llm.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * How the residual stream is laid out: the {@code hidden} values of the model, one constant column
 * {@code c = sqrt(hidden · eps)}, then zeros up to {@code width} (a multiple of 16 floats, which keeps MKL's
 * matrix rows aligned).
 *
 * <p>Why the constant: RMSNorm is {@code x / sqrt(mean(x²) + eps)}. With c appended,
 * {@code ‖[x, c]‖² = Σx² + hidden·eps}, so {@code x / sqrt(mean(x²) + eps) = sqrt(hidden) · normalize([x, c])}
 * exactly. One torch {@code normalize} replaces the five ops of a literal RMSNorm; the factor sqrt(hidden) and
 * the norm's weight are folded into the matrices that read the normalised stream, whose rows for the constant
 * and the padding are zero. Every matrix that writes the stream has zero columns there, so c never changes.
 */
public record StreamLayout(int hidden, int width, float normConstant) {

  public static StreamLayout of(LlamaConfig config) {
    int h = config.hiddenSize();
    return new StreamLayout(h, (h + 1 + 15) / 16 * 16, (float) Math.sqrt(h * config.rmsNormEps()));
  }

  /** The factor between torch's normalize and RMSNorm: sqrt(hidden). */
  public float normScale() {
    return (float) Math.sqrt(hidden);
  }

  /**
   * [n, hidden] → [n, width]: rows written into the stream. With {@code withConstant} (embedding rows) the
   * constant column holds c, otherwise zero.
   */
  public NDArray widenColumns(NDArray m, boolean withConstant) {
    NDManager manager = m.getManager();
    long n = m.getShape().get(0);
    NDList parts = new NDList(m);
    if (withConstant) {
      parts.add(manager.full(new Shape(n, 1), normConstant, m.getDataType()));
    }
    long zeros = width - hidden - (withConstant ? 1 : 0);
    parts.add(manager.zeros(new Shape(n, zeros), m.getDataType()));
    NDArray out = NDArrays.concat(parts, 1);
    parts.subNDList(1).close();
    return out;
  }

  /** [hidden, n] → [width, n]: a matrix (in [in, out] layout) that reads the normalised stream. */
  public NDArray widenRows(NDArray m) {
    NDArray zeros = m.getManager().zeros(new Shape(width - hidden, m.getShape().get(1)), m.getDataType());
    NDArray out = NDArrays.concat(new NDList(m, zeros), 0);
    zeros.close();
    return out;
  }

  /** The final norm as a stream vector: weight · sqrt(hidden), zero at the constant and padding. */
  public NDArray normVector(NDArray weight) {
    NDArray scaled = weight.mul(normScale());
    NDArray wide = widenVector(scaled);
    scaled.close();
    return wide;
  }

  /** [hidden] → [width], zero at the constant and padding: a bias added to the stream. */
  public NDArray widenVector(NDArray v) {
    return widenColumns(v.reshape(1, hidden), false).reshape(width);
  }
}
