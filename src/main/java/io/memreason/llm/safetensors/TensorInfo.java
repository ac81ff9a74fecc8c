package io.memreason.llm.safetensors;

import java.util.Arrays;

/**
 * One tensor's entry in a safetensors header.
 *
 * @param begin offset of the first byte in the file (header included), already validated against the file size
 */
public record TensorInfo(String name, Dtype dtype, long[] shape, long begin, long byteLength) {

  public long elementCount() {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  public long[] shape() {
    return shape.clone();
  }

  @Override
  public String toString() {
    return name + " " + dtype + Arrays.toString(shape);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorInfo t && t.name.equals(name) && t.dtype == dtype && Arrays.equals(t.shape, shape)
        && t.begin == begin && t.byteLength == byteLength;
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Arrays.hashCode(shape);
  }
}
