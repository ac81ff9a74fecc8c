package io.memreason.interop.torch;

import io.memreason.llm.safetensors.Dtype;
import java.util.Arrays;
import java.util.Optional;

/** The typed storage classes {@code torch.save} names in a tensor's persistent id, with their element type. */
public enum StorageType {
  FLOAT("FloatStorage", Dtype.F32),
  DOUBLE("DoubleStorage", Dtype.F64),
  HALF("HalfStorage", Dtype.F16),
  BFLOAT16("BFloat16Storage", Dtype.BF16),
  LONG("LongStorage", Dtype.I64),
  INT("IntStorage", Dtype.I32),
  SHORT("ShortStorage", Dtype.I16),
  CHAR("CharStorage", Dtype.I8),
  BYTE("ByteStorage", Dtype.U8),
  BOOL("BoolStorage", Dtype.BOOL);

  private final String className;
  private final Dtype dtype;

  StorageType(String className, Dtype dtype) {
    this.className = className;
    this.dtype = dtype;
  }

  /** The class name in module {@code torch}, e.g. {@code FloatStorage}. */
  public String className() {
    return className;
  }

  public Dtype dtype() {
    return dtype;
  }

  static Optional<StorageType> named(String className) {
    return Arrays.stream(values()).filter(t -> t.className.equals(className)).findFirst();
  }
}
