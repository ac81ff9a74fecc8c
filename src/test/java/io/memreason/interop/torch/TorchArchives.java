package io.memreason.interop.torch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes files in torch.save's layout for tests, by hand: a zip archive of {@code <name>/data.pkl}, {@code byteorder},
 * {@code version} and one stored entry per storage, with a pickle written opcode by opcode: the ones torch.save
 * writes for state dicts and modules, or whatever a test wants to try on the reader.
 */
public final class TorchArchives {
  private TorchArchives() {}

  /** A tensor to write: its storage (shared when two tensors name the same key) and its view. */
  public record Tensor(StorageType type, String key, long elements, long offset, long[] shape, long[] stride) {
    /** A row-major tensor that is its whole storage. */
    public static Tensor of(StorageType type, String key, long... shape) {
      long n = 1;
      long[] stride = new long[shape.length];
      for (int i = shape.length - 1; i >= 0; i--) {
        stride[i] = n;
        n *= shape[i];
      }
      return new Tensor(type, key, n, 0, shape, stride);
    }
  }

  /** A pickle, opcode by opcode. */
  public static final class Pickle {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private int memo;

    public Pickle op(int... bytes) {
      for (int b : bytes) {
        out.write(b);
      }
      return this;
    }

    public Pickle op(byte[] bytes) {
      out.writeBytes(bytes);
      return this;
    }

    public Pickle proto(int protocol) {
      return op(0x80, protocol);
    }

    /** GLOBAL {@code module name}: the opcode that imports a Python object by name. */
    public Pickle global(String module, String name) {
      op('c');
      out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
      return put();
    }

    public Pickle string(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      op('X');
      out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
      out.writeBytes(b);
      return put();
    }

    public Pickle integer(long v) {
      if (v >= 0 && v < 256) {
        return op('K', (int) v);
      }
      if (v >= 0 && v < 65536) {
        return op('M', (int) (v & 0xff), (int) (v >>> 8));
      }
      if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
        op('J');
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
        return this;
      }
      // LONG1: pickle's form for ints beyond 32 bits, 8 little-endian two's-complement bytes here.
      op(0x8a, 8);
      out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
      return this;
    }

    public Pickle mark() {
      return op('(');
    }

    public Pickle tuple() {
      return op('t').put();
    }

    public Pickle emptyTuple() {
      return op(')');
    }

    public Pickle emptyDict() {
      return op('}').put();
    }

    public Pickle setItems() {
      return op('u');
    }

    public Pickle reduce() {
      return op('R').put();
    }

    public Pickle bool(boolean b) {
      return op(b ? 0x88 : 0x89);
    }

    public Pickle none() {
      return op('N');
    }

    public Pickle stop() {
      return op('.');
    }

    /** {@code OrderedDict()}, as torch.save writes empty hook dicts. */
    public Pickle orderedDict() {
      return global("collections", "OrderedDict").emptyTuple().reduce();
    }

    /** {@code _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, OrderedDict())}. */
    public Pickle tensor(Tensor t, boolean requiresGrad) {
      global("torch._utils", "_rebuild_tensor_v2").mark();
      mark().string("storage").global("torch", t.type().className()).string(t.key()).string("cpu")
          .integer(t.elements()).tuple().op('Q');
      integer(t.offset());
      mark();
      for (long d : t.shape()) {
        integer(d);
      }
      tuple().mark();
      for (long s : t.stride()) {
        integer(s);
      }
      tuple().bool(requiresGrad).orderedDict().tuple();
      return reduce();
    }

    /** {@code _rebuild_parameter(tensor, requires_grad, OrderedDict())}, an {@code nn.Parameter}. */
    public Pickle parameter(Tensor t, boolean requiresGrad) {
      global("torch._utils", "_rebuild_parameter").mark();
      tensor(t, false).bool(requiresGrad).orderedDict().tuple();
      return reduce();
    }

    private Pickle put() {
      return op('q', memo++ & 0xff);
    }

    public byte[] bytes() {
      return out.toByteArray();
    }
  }

  /** The pickle of {@code torch.save(state_dict)}: a dict of names to tensors. */
  public static byte[] stateDict(Map<String, Tensor> tensors) {
    Pickle p = new Pickle().proto(2).emptyDict().mark();
    tensors.forEach((name, t) -> p.string(name).tensor(t, false));
    return p.setItems().stop().bytes();
  }

  /**
   * The pickle of {@code torch.save(module)} for an {@code nn.Embedding} ({@code bias} null) or {@code nn.Linear}:
   * the class, NEWOBJ, then BUILD with its {@code __dict__} (parameters and the empty hook dicts).
   */
  public static byte[] module(String module, String className, Tensor weight, Tensor bias) {
    Pickle p = new Pickle().proto(2).global(module, className).emptyTuple().op(0x81).put().emptyDict().mark();
    p.string("training").bool(false);
    p.string("_parameters").emptyDict().mark().string("weight").parameter(weight, true);
    if (bias != null) {
      p.string("bias").parameter(bias, false);
    }
    p.setItems();
    p.string("_buffers").emptyDict();
    p.string("_non_persistent_buffers_set").global("__builtin__", "set").op(']').op(0x85).reduce();
    for (String hooks : new String[] {"_backward_hooks", "_forward_hooks", "_forward_pre_hooks", "_state_dict_hooks"}) {
      p.string(hooks).orderedDict();
    }
    p.string("_modules").emptyDict();
    p.string("in_features").integer(weight.shape()[1]).string("out_features").integer(weight.shape()[0]);
    return p.setItems().op('b').stop().bytes();
  }

  /** Writes an archive {@code <prefix>/data.pkl} + storages (key → little-endian bytes), as torch.save lays it out. */
  public static Path write(Path file, String prefix, byte[] pickle, Map<String, byte[]> storages) throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put(prefix + "/data.pkl", pickle);
    entries.put(prefix + "/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
    storages.forEach((key, bytes) -> entries.put(prefix + "/data/" + key, bytes));
    entries.put(prefix + "/version", "3\n".getBytes(StandardCharsets.US_ASCII));
    try (OutputStream os = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(os)) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        ZipEntry entry = new ZipEntry(e.getKey());
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(e.getValue().length);
        CRC32 crc = new CRC32();
        crc.update(e.getValue());
        entry.setCrc(crc.getValue());
        zip.putNextEntry(entry);
        zip.write(e.getValue());
        zip.closeEntry();
      }
    }
    return file;
  }

  /** float32 values as little-endian bytes. */
  public static byte[] f32(float... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return b.array();
  }
}
