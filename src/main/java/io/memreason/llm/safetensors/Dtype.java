package io.memreason.llm.safetensors;

import java.nio.ByteBuffer;
import java.util.Optional;

/** The element types of the safetensors format, with their width in bytes. */
public enum Dtype {
  BOOL(1), U8(1), I8(1), F8_E5M2(1), F8_E4M3(1), I16(2), U16(2), F16(2), BF16(2), I32(4), U32(4), F32(4),
  I64(8), U64(8), F64(8);

  private final int bytes;

  Dtype(int bytes) {
    this.bytes = bytes;
  }

  public int bytes() {
    return bytes;
  }

  /** True for the types {@link SafetensorsFile#readFloats} widens or narrows to float32. */
  public boolean isFloatingPoint() {
    return this == F16 || this == BF16 || this == F32 || this == F64;
  }

  /**
   * Element {@code index} of a buffer of this floating-point type, in the buffer's byte order, widened to float32
   * (exactly, except F64, which is rounded).
   */
  public float floatAt(ByteBuffer data, int index) {
    return switch (this) {
      case F32 -> data.getFloat(index * 4);
      // bfloat16 is the upper half of a float32.
      case BF16 -> Float.intBitsToFloat((data.getShort(index * 2) & 0xffff) << 16);
      case F16 -> HalfFloat.toFloat(data.getShort(index * 2));
      case F64 -> (float) data.getDouble(index * 8);
      default -> throw new IllegalStateException(this + " is not a floating-point type");
    };
  }

  /** The type a header names, or empty for a name the format does not define. */
  public static Optional<Dtype> named(String name) {
    for (Dtype d : values()) {
      if (d.name().equals(name)) {
        return Optional.of(d);
      }
    }
    return Optional.empty();
  }
}
