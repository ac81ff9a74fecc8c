package io.memreason.llm.safetensors;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Writes a safetensors file the way the Python library does: tensors in name order, the JSON header padded
 * with spaces to a multiple of 8 bytes, {@code __metadata__ {"format":"pt"}} so PEFT and transformers accept it.
 * The file appears atomically (written beside it, then moved). Data added lazily is produced while the file is
 * written, one tensor at a time, so a multi-GB file never has more than one tensor in memory.
 */
public final class SafetensorsWriter {
  /** Float32 values handed over in consecutive chunks, produced while the file is written. */
  @FunctionalInterface
  public interface FloatChunks {
    void produce(Consumer<float[]> sink);
  }

  /** A tensor's bytes, written when the file is. */
  @FunctionalInterface
  private interface TensorBytes {
    /** Writes the bytes and returns how many there were. */
    long writeTo(FileChannel out) throws IOException;
  }

  private record Entry(Dtype dtype, long[] shape, long byteLength, TensorBytes data) {}

  private final Map<String, Entry> entries = new TreeMap<>();

  /** Adds float32 data, stored as {@code storedAs} (F32 or BF16, rounded to nearest even). */
  public SafetensorsWriter addFloats(String name, long[] shape, float[] values, Dtype storedAs) {
    checkSize(name, shape, values.length);
    ByteBuffer data = encode(values, storedAs);
    return put(name, new Entry(storedAs, shape.clone(), data.remaining(), out -> writeFully(out, data.duplicate())));
  }

  /**
   * Adds float32 values produced chunk by chunk only when the file is written, stored as F32 or BF16: a file of
   * many gigabytes is written with no more than one chunk in memory.
   */
  public SafetensorsWriter addFloats(String name, long[] shape, FloatChunks values, Dtype storedAs) {
    encode(new float[0], storedAs); // an unsupported type fails now, not when the file is written
    long bytes = Arrays.stream(shape).reduce(storedAs.bytes(), Math::multiplyExact);
    return put(name, new Entry(storedAs, shape.clone(), bytes, out -> {
      long[] written = {0};
      IOException[] failure = {null};
      values.produce(chunk -> {
        if (failure[0] == null) {
          try {
            written[0] += writeFully(out, encode(chunk, storedAs));
          } catch (IOException e) {
            failure[0] = e;
          }
        }
      });
      if (failure[0] != null) {
        throw failure[0];
      }
      return written[0];
    }));
  }

  private static ByteBuffer encode(float[] values, Dtype storedAs) {
    ByteBuffer data = ByteBuffer.allocate(values.length * storedAs.bytes()).order(ByteOrder.LITTLE_ENDIAN);
    switch (storedAs) {
      case F32 -> data.asFloatBuffer().put(values);
      case BF16 -> {
        for (float v : values) {
          data.putShort(toBfloat16(v));
        }
        data.flip();
      }
      default -> throw new IllegalArgumentException("floats can be stored as F32 or BF16, not " + storedAs);
    }
    return data;
  }

  /** Adds an array's values (copied to the heap now), stored as F32 or BF16. */
  public SafetensorsWriter addArray(String name, NDArray array, Dtype storedAs) {
    return addFloats(name, array.getShape().getShape(), array.toType(DataType.FLOAT32, false)
        .toFloatArray(), storedAs);
  }

  /** Adds raw little-endian bytes of any type. */
  public SafetensorsWriter addBytes(String name, Dtype dtype, long[] shape, ByteBuffer littleEndianData) {
    long elements = Arrays.stream(shape).reduce(1, Math::multiplyExact);
    if (littleEndianData.remaining() != elements * dtype.bytes()) {
      throw new IllegalArgumentException("tensor " + name + ": " + littleEndianData.remaining() + " bytes for "
          + elements + " elements of " + dtype);
    }
    ByteBuffer data = littleEndianData.slice();
    return put(name, new Entry(dtype, shape.clone(), data.remaining(), out -> writeFully(out, data.duplicate())));
  }

  private SafetensorsWriter put(String name, Entry e) {
    if (name.equals("__metadata__") || entries.putIfAbsent(name, e) != null) {
      throw new IllegalArgumentException("tensor name " + name + " is reserved or already added");
    }
    return this;
  }

  /** Writes every added tensor to {@code file}, replacing it. */
  public void write(Path file) {
    JsonObject header = new JsonObject();
    JsonObject metadata = new JsonObject();
    metadata.addProperty("format", "pt");
    header.add("__metadata__", metadata);
    long offset = 0;
    for (Map.Entry<String, Entry> e : entries.entrySet()) {
      JsonObject t = new JsonObject();
      t.addProperty("dtype", e.getValue().dtype().name());
      JsonArray shape = new JsonArray();
      for (long d : e.getValue().shape()) {
        shape.add(d);
      }
      t.add("shape", shape);
      JsonArray offsets = new JsonArray();
      offsets.add(offset);
      offset += e.getValue().byteLength();
      offsets.add(offset);
      t.add("data_offsets", offsets);
      header.add(e.getKey(), t);
    }
    byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) / 8 * 8;
    ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
    head.putLong(padded).put(json);
    while (head.hasRemaining()) {
      head.put((byte) ' ');
    }
    head.flip();
    try {
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
      try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        writeFully(out, head);
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
          long written = e.getValue().data().writeTo(out);
          if (written != e.getValue().byteLength()) {
            throw new IllegalStateException("tensor " + e.getKey() + " produced " + written + " bytes, not "
                + e.getValue().byteLength());
          }
        }
      } catch (IOException | RuntimeException e) {
        Files.deleteIfExists(tmp);
        throw e;
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write safetensors file " + file + ": " + e.getMessage(), e);
    }
  }

  private static long writeFully(FileChannel out, ByteBuffer b) throws IOException {
    long n = b.remaining();
    while (b.hasRemaining()) {
      out.write(b);
    }
    return n;
  }

  private static void checkSize(String name, long[] shape, int length) {
    long elements = Arrays.stream(shape).reduce(1, Math::multiplyExact);
    if (elements != length) {
      throw new IllegalArgumentException("tensor " + name + " has shape " + Arrays.toString(shape) + " ("
          + elements + " elements) but " + length + " values");
    }
  }

  /** float32 to bfloat16, rounding to nearest even; NaN stays a quiet NaN. */
  static short toBfloat16(float v) {
    int bits = Float.floatToRawIntBits(v);
    if (Float.isNaN(v)) {
      return (short) ((bits >>> 16) | 0x40);
    }
    int rounded = bits + 0x7fff + ((bits >>> 16) & 1);
    return (short) (rounded >>> 16);
  }
}
