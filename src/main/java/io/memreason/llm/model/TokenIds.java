package io.memreason.llm.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Java id matrices as int64 index arrays. Like every array the forward pass makes from Java data, the result
 * is left to the caller's scope: torch reads it in place from a Java buffer, and autograd may still need it
 * during backward.
 */
final class TokenIds {
  private TokenIds() {}

  static NDArray array(NDManager manager, int[][] ids) {
    int rows = ids.length;
    int cols = ids[0].length;
    long[] flat = new long[rows * cols];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        flat[r * cols + c] = ids[r][c];
      }
    }
    return manager.create(flat, new Shape(rows, cols));
  }
}
