package io.memreason.llm.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Rotary position embedding in Hugging Face's "rotate half" layout: for j below half the head width, the pair
 * {@code (x[j], x[j + d/2])} turns by {@code position · invFreq[j]}. Applied as one matMul with a per-position
 * [headDim, headDim] rotation matrix {@code R = I·cos + P·sin} (P holds the ±1 of rotate_half), built once per
 * step for all layers; the forward pass multiplies queries and keys by it in a single batched matMul.
 */
public final class RotaryEmbedding {
  private final int headDim;
  private final int maxPositions;
  private final NDArray cos;
  private final NDArray sin;
  private final NDArray identity;
  private final NDArray rotateHalf;

  /** Tables for positions [0, maxPositions), owned by {@code manager}. */
  public RotaryEmbedding(LlamaConfig config, int maxPositions, NDManager manager, DataType dtype) {
    this.headDim = config.headDim();
    this.maxPositions = maxPositions;
    float[] invFreq = inverseFrequencies(config);
    int half = headDim / 2;
    float[] cosTable = new float[maxPositions * headDim];
    float[] sinTable = new float[maxPositions * headDim];
    for (int p = 0; p < maxPositions; p++) {
      for (int j = 0; j < half; j++) {
        // float32 product, as transformers computes the angles
        float angle = invFreq[j] * (float) p;
        float c = (float) Math.cos(angle);
        float s = (float) Math.sin(angle);
        cosTable[p * headDim + j] = c;
        cosTable[p * headDim + j + half] = c;
        sinTable[p * headDim + j] = s;
        sinTable[p * headDim + j + half] = s;
      }
    }
    float[] eye = new float[headDim * headDim];
    float[] rot = new float[headDim * headDim];
    for (int j = 0; j < headDim; j++) {
      eye[j * headDim + j] = 1f;
    }
    for (int j = 0; j < half; j++) {
      rot[(j + half) * headDim + j] = -1f;
      rot[j * headDim + j + half] = 1f;
    }
    Shape table = new Shape(maxPositions, headDim);
    Shape square = new Shape(headDim, headDim);
    this.cos = manager.create(cosTable, table).toType(dtype, false);
    this.sin = manager.create(sinTable, table).toType(dtype, false);
    this.identity = manager.create(eye, square).toType(dtype, false);
    this.rotateHalf = manager.create(rot, square).toType(dtype, false);
  }

  /** transformers' float32 inverse frequencies {@code 1 / theta^(2j/d)}, with llama3 scaling when configured. */
  static float[] inverseFrequencies(LlamaConfig config) {
    int d = config.headDim();
    float[] inv = new float[d / 2];
    for (int j = 0; j < d / 2; j++) {
      float exponent = (float) (2 * j) / (float) d;
      inv[j] = 1f / (float) Math.pow(config.ropeTheta(), exponent);
    }
    return config.ropeScaling().map(s -> s.apply(inv)).orElse(inv);
  }

  public int maxPositions() {
    return maxPositions;
  }

  /** Rotation matrices [B, T, headDim, headDim] for positions [B, T]; x·R rotates a row vector x. */
  NDArray rotations(NDManager manager, int[][] positions) {
    for (int[] row : positions) {
      for (int p : row) {
        if (p < 0 || p >= maxPositions) {
          throw new IllegalArgumentException("position " + p + " outside the rotary table [0, " + maxPositions + ")");
        }
      }
    }
    NDArray index = TokenIds.array(manager, positions);
    long b = positions.length;
    long t = positions[0].length;
    NDArray c = cos.get(manager, new NDIndex("{}", index)).reshape(b, t, 1, headDim);
    NDArray s = sin.get(manager, new NDIndex("{}", index)).reshape(b, t, 1, headDim);
    return c.mul(identity).add(s.mul(rotateHalf));
  }
}
