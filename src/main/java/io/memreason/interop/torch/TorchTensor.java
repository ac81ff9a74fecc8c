package io.memreason.interop.torch;

import java.util.Arrays;

/**
 * A tensor of a {@code torch.save} archive as {@code torch._utils._rebuild_tensor_v2} describes it: a view of
 * {@code shape} with {@code stride} (in elements) into its storage from element {@code offset}. Only described:
 * {@link TorchFile#floats} reads its values.
 *
 * @param parameter whether it was saved as an {@code nn.Parameter}
 */
public record TorchTensor(TorchStorage storage, long offset, long[] shape, long[] stride, boolean requiresGrad,
                          boolean parameter) {

  public TorchTensor {
    shape = shape.clone();
    stride = stride.clone();
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  @Override
  public long[] stride() {
    return stride.clone();
  }

  public long elementCount() {
    long n = 1;
    for (long d : shape) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  /** How many storage elements from {@code offset} the view reaches: 0 for an empty tensor. */
  long extent() {
    if (elementCount() == 0) {
      return 0;
    }
    long last = 0;
    for (int i = 0; i < shape.length; i++) {
      last = Math.addExact(last, Math.multiplyExact(shape[i] - 1, stride[i]));
    }
    return last + 1;
  }

  /** Whether the view is the row-major layout of its shape (the common case: elements read in one run). */
  boolean rowMajor() {
    long expected = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      if (shape[i] != 1 && stride[i] != expected) {
        return false;
      }
      expected *= shape[i];
    }
    return true;
  }

  TorchTensor asParameter(boolean requiresGradient) {
    return new TorchTensor(storage, offset, shape, stride, requiresGradient, true);
  }

  @Override
  public String toString() {
    return storage.type().dtype() + Arrays.toString(shape);
  }
}
