package io.memreason.llm.safetensors;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.memreason.llm.CheckpointException;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One safetensors file: an 8-byte little-endian header length, a JSON header naming every tensor's type, shape
 * and byte range, then the raw data. The header is validated completely when the file is opened, so a malformed
 * file fails here with a message naming it (never later inside the native library); tensor data is read in ranges
 * through the file channel, so files and tensors may exceed 2 GiB.
 */
public final class SafetensorsFile implements AutoCloseable {
  /** The Python library refuses larger headers too; a bigger value is a corrupt length, not a real header. */
  static final long MAX_HEADER_BYTES = 100L << 20;

  private final Path path;
  private final FileChannel channel;
  private final Map<String, TensorInfo> tensors;
  private final Map<String, String> metadata;

  private SafetensorsFile(Path path, FileChannel channel, Map<String, TensorInfo> tensors,
                          Map<String, String> metadata) {
    this.path = path;
    this.channel = channel;
    this.tensors = tensors;
    this.metadata = metadata;
  }

  /** Opens a file and validates its header against the file size. */
  public static SafetensorsFile open(Path path) {
    FileChannel channel;
    try {
      channel = FileChannel.open(path, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw new CheckpointException("safetensors file " + path + " does not exist");
    } catch (IOException e) {
      throw new CheckpointException("cannot open safetensors file " + path + ": " + e.getMessage(), e);
    }
    try {
      long fileSize = channel.size();
      if (fileSize < 8) {
        throw malformed(path, "is " + fileSize + " bytes long, shorter than the 8-byte header length");
      }
      ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(channel, lengthBytes, 0);
      long headerLength = lengthBytes.getLong(0);
      if (headerLength <= 0 || headerLength > fileSize - 8 || headerLength > MAX_HEADER_BYTES) {
        throw malformed(path, "declares a header of " + Long.toUnsignedString(headerLength)
            + " bytes but the file has " + (fileSize - 8) + " bytes after the length (limit "
            + MAX_HEADER_BYTES + ")");
      }
      ByteBuffer header = ByteBuffer.allocate((int) headerLength);
      readFully(channel, header, 8);
      String json = new String(header.array(), StandardCharsets.UTF_8);
      long dataStart = 8 + headerLength;
      Map<String, String> metadata = new LinkedHashMap<>();
      Map<String, TensorInfo> tensors = parseHeader(path, json, dataStart, fileSize - dataStart, metadata);
      return new SafetensorsFile(path, channel, tensors, Collections.unmodifiableMap(metadata));
    } catch (IOException | RuntimeException e) {
      closeQuietly(channel);
      if (e instanceof CheckpointException c) {
        throw c;
      }
      throw new CheckpointException("cannot read safetensors file " + path + ": " + e.getMessage(), e);
    }
  }

  private static Map<String, TensorInfo> parseHeader(Path path, String json, long dataStart, long dataSize,
                                                     Map<String, String> metadata) {
    JsonElement root;
    try {
      root = JsonParser.parseString(json);
    } catch (JsonParseException e) {
      throw malformed(path, "has a header that is not valid JSON: " + e.getMessage());
    }
    if (!root.isJsonObject()) {
      throw malformed(path, "has a header that is not a JSON object");
    }
    Map<String, TensorInfo> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> e : root.getAsJsonObject().entrySet()) {
      if (e.getKey().equals("__metadata__")) {
        if (e.getValue().isJsonObject()) {
          e.getValue().getAsJsonObject().entrySet().forEach(m ->
              metadata.put(m.getKey(), m.getValue().isJsonPrimitive() ? m.getValue().getAsString() : m.getValue().toString()));
        }
        continue;
      }
      tensors.put(e.getKey(), parseEntry(path, e.getKey(), e.getValue(), dataStart, dataSize));
    }
    return Collections.unmodifiableMap(tensors);
  }

  private static TensorInfo parseEntry(Path path, String name, JsonElement value, long dataStart, long dataSize) {
    if (!value.isJsonObject()) {
      throw malformedTensor(path, name, "has a header entry that is not a JSON object");
    }
    JsonObject o = value.getAsJsonObject();
    String dtypeName = o.has("dtype") && o.get("dtype").isJsonPrimitive() ? o.get("dtype").getAsString() : null;
    Dtype dtype = Dtype.named(dtypeName == null ? "" : dtypeName)
        .orElseThrow(() -> malformedTensor(path, name, "has unknown dtype " + dtypeName));
    long[] shape = longArray(path, name, o.get("shape"), "shape", -1);
    long[] offsets = longArray(path, name, o.get("data_offsets"), "data_offsets", 2);
    long begin = offsets[0];
    long end = offsets[1];
    if (begin > end || end > dataSize) {
      throw malformedTensor(path, name, "has data_offsets [" + begin + ", " + end
          + "] outside the data section of " + dataSize + " bytes");
    }
    long expected;
    try {
      expected = dtype.bytes();
      for (long d : shape) {
        expected = Math.multiplyExact(expected, d);
      }
    } catch (ArithmeticException overflow) {
      throw malformedTensor(path, name, "has a shape too large to address");
    }
    if (expected != end - begin) {
      throw malformedTensor(path, name, "has shape " + Arrays.toString(shape) + " of " + dtype
          + " (" + expected + " bytes) but data_offsets span " + (end - begin) + " bytes");
    }
    return new TensorInfo(name, dtype, shape, dataStart + begin, end - begin);
  }

  private static long[] longArray(Path path, String name, JsonElement e, String key, int requiredLength) {
    if (e == null || !e.isJsonArray()) {
      throw malformedTensor(path, name, "has no " + key + " array");
    }
    var array = e.getAsJsonArray();
    if (requiredLength >= 0 && array.size() != requiredLength) {
      throw malformedTensor(path, name, "has " + key + " with " + array.size() + " values, not " + requiredLength);
    }
    long[] out = new long[array.size()];
    for (int i = 0; i < out.length; i++) {
      JsonElement v = array.get(i);
      if (!(v instanceof JsonPrimitive p) || !p.isNumber()) {
        throw malformedTensor(path, name, "has a non-numeric " + key + " value " + v);
      }
      BigDecimal d = p.getAsBigDecimal();
      if (d.signum() < 0 || d.stripTrailingZeros().scale() > 0 || d.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
        throw malformedTensor(path, name, "has an invalid " + key + " value " + v);
      }
      out[i] = d.longValueExact();
    }
    return out;
  }

  public Path path() {
    return path;
  }

  /** The tensor names in header order. */
  public Set<String> names() {
    return tensors.keySet();
  }

  public Optional<TensorInfo> info(String name) {
    return Optional.ofNullable(tensors.get(name));
  }

  /** The header's {@code __metadata__} (empty when absent). */
  public Map<String, String> metadata() {
    return metadata;
  }

  /**
   * Reads {@code count} elements of a floating-point tensor, starting at element {@code from} (row-major),
   * converted to float32, into {@code floats} (native order, from position 0; {@code count * 4} bytes), using
   * {@code raw} (at least {@code count} times the stored width) for the file's bytes. The bytes are read through the
   * channel, not mapped, so a tensor read leaves nothing resident behind it but the caller's buffers.
   */
  public void readFloats(TensorInfo t, long from, int count, ByteBuffer raw, ByteBuffer floats) {
    if (!t.dtype().isFloatingPoint()) {
      throw new CheckpointException("tensor " + t.name() + " in " + path + " has dtype " + t.dtype()
          + "; only F32, F16, BF16 and F64 tensors can be loaded as weights");
    }
    if (from < 0 || count < 0 || from + count > t.elementCount()) {
      throw new IllegalArgumentException("elements [" + from + ", " + (from + count) + ") outside " + t);
    }
    int width = t.dtype().bytes();
    raw.clear().limit(count * width);
    try {
      readFully(channel, raw, t.begin() + from * width);
    } catch (IOException e) {
      throw new CheckpointException("cannot read tensor " + t.name() + " of " + path + ": " + e.getMessage(), e);
    }
    raw.flip().order(ByteOrder.LITTLE_ENDIAN);
    floats.clear().limit(count * 4);
    ByteBuffer dst = floats.order(ByteOrder.nativeOrder());
    switch (t.dtype()) {
      case F32 -> dst.asFloatBuffer().put(raw.asFloatBuffer());
      case BF16 -> {
        ShortBuffer in = raw.asShortBuffer();
        IntBuffer out = dst.asIntBuffer();
        for (int i = 0; i < count; i++) {
          // bfloat16 is the upper half of a float32: widening is exact.
          out.put(i, (in.get(i) & 0xffff) << 16);
        }
      }
      case F16 -> {
        ShortBuffer in = raw.asShortBuffer();
        FloatBuffer out = dst.asFloatBuffer();
        for (int i = 0; i < count; i++) {
          out.put(i, HalfFloat.toFloat(in.get(i)));
        }
      }
      case F64 -> {
        DoubleBuffer in = raw.asDoubleBuffer();
        FloatBuffer out = dst.asFloatBuffer();
        for (int i = 0; i < count; i++) {
          out.put(i, (float) in.get(i));
        }
      }
      default -> throw new IllegalStateException("unreachable: " + t.dtype());
    }
  }

  @Override
  public void close() {
    closeQuietly(channel);
  }

  private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
    long p = position;
    while (buffer.hasRemaining()) {
      int n = channel.read(buffer, p);
      if (n < 0) {
        throw new IOException("unexpected end of file");
      }
      p += n;
    }
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // Read-only channel: nothing was written that could be lost.
    }
  }

  private static CheckpointException malformed(Path path, String what) {
    return new CheckpointException("malformed safetensors file " + path + ": it " + what);
  }

  private static CheckpointException malformedTensor(Path path, String name, String what) {
    return new CheckpointException("malformed safetensors file " + path + ": tensor '" + name + "' " + what);
  }
}
