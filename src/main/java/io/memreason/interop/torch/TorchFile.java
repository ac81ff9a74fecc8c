package io.memreason.interop.torch;

import io.memreason.llm.CheckpointException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A file written by {@code torch.save} (torch 1.6 or newer: a zip archive holding {@code <name>/data.pkl} and one
 * entry {@code <name>/data/<key>} per storage), opened without running any of it: the pickle is read by an
 * allow-listed reader ({@link RestrictedUnpickler}), and tensor values are read only on request, from the storage
 * entries, never beyond what an entry holds. Older, non-zip torch files are refused with a conversion hint.
 */
public final class TorchFile implements AutoCloseable {
  /** torch state dicts pickle to kilobytes; a larger data.pkl is not what this reader is for. */
  static final long MAX_PICKLE_BYTES = 64L << 20;

  private final Path path;
  private final ZipFile zip;
  private final String prefix;
  private final ByteOrder order;
  private final Map<String, TorchStorage> storages = new HashMap<>();
  private final Object root;

  private TorchFile(Path path, ZipFile zip, String prefix, ByteOrder order) {
    this.path = path;
    this.zip = zip;
    this.prefix = prefix;
    this.order = order;
    ZipEntry pickle = zip.getEntry(prefix + "data.pkl");
    if (pickle.getSize() < 0) {
      throw new CheckpointException(path + " is corrupt: " + pickle.getName() + " has no size in the zip directory");
    }
    if (pickle.getSize() > MAX_PICKLE_BYTES) {
      throw new CheckpointException(path + ": " + pickle.getName() + " is " + pickle.getSize() + " bytes; a torch.save "
          + "of tensors pickles to far less (at most " + MAX_PICKLE_BYTES + " bytes are read)");
    }
    byte[] bytes = read(pickle, 0, (int) pickle.getSize());
    this.root = RestrictedUnpickler.load(bytes, path + " (" + pickle.getName() + ")", this::storage);
  }

  /** Opens and reads the pickle of a torch.save file; tensor values are read later, on request. */
  public static TorchFile open(Path path) {
    refuseIfNotZip(path);
    ZipFile zip;
    try {
      zip = new ZipFile(path.toFile());
    } catch (ZipException e) {
      throw new CheckpointException(path + " is truncated or corrupt: not a complete zip archive (" + e.getMessage()
          + "); copy the file again", e);
    } catch (IOException e) {
      throw new CheckpointException("cannot read " + path + ": " + e.getMessage(), e);
    }
    try {
      String prefix = recordPrefix(path, zip);
      return new TorchFile(path, zip, prefix, byteOrder(path, zip, prefix));
    } catch (RuntimeException e) {
      closeQuietly(zip);
      throw e;
    }
  }

  private static void refuseIfNotZip(Path path) {
    byte[] head = new byte[512];
    int n;
    try (InputStream in = Files.newInputStream(path)) {
      n = in.readNBytes(head, 0, head.length);
    } catch (IOException e) {
      throw new CheckpointException("cannot read " + path + ": " + e.getMessage(), e);
    }
    if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
      return;
    }
    boolean tar = n >= 262 && new String(head, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
    if ((n >= 2 && (head[0] & 0xff) == 0x80) || tar) {
      throw new CheckpointException(path + " is in the legacy torch.save format of torch < 1.6 (" + (tar ? "a tar"
          : "a bare pickle") + ", not a zip archive), which memreason does not read: re-save it with a current torch "
          + "in a Python you trust it in, e.g. python -c \"import torch; torch.save(torch.load('" + path.getFileName()
          + "', weights_only=False), 'converted.pt')\", or save the tensors as safetensors");
    }
    throw new CheckpointException(path + " is not a torch.save file (no zip archive" + (n == 0 ? ": it is empty"
        : "") + ")");
  }

  /** The archive's record folder: the one {@code <name>/} holding {@code data.pkl}. */
  private static String recordPrefix(Path path, ZipFile zip) {
    String prefix = null;
    boolean torchScript = false;
    for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
      String name = e.nextElement().getName();
      int slash = name.indexOf('/');
      if (slash > 0 && name.substring(slash + 1).equals("data.pkl")) {
        if (prefix != null) {
          throw new CheckpointException(path + " holds two pickles (" + prefix + "data.pkl and " + name
              + "): not a torch.save archive");
        }
        prefix = name.substring(0, slash + 1);
      }
      torchScript |= name.endsWith("/constants.pkl") || name.contains("/code/");
    }
    if (torchScript) {
      throw new CheckpointException(path + " is a TorchScript archive (torch.jit.save), not a torch.save of tensors; "
          + "memreason does not run TorchScript");
    }
    if (prefix == null) {
      throw new CheckpointException(path + " is a zip archive without <name>/data.pkl: not a torch.save file");
    }
    return prefix;
  }

  private static ByteOrder byteOrder(Path path, ZipFile zip, String prefix) {
    ZipEntry entry = zip.getEntry(prefix + "byteorder");
    if (entry == null) {
      return ByteOrder.LITTLE_ENDIAN; // written by torch since 1.10; older archives are little-endian
    }
    try (InputStream in = zip.getInputStream(entry)) {
      String order = new String(in.readNBytes(16), StandardCharsets.US_ASCII).strip();
      return switch (order) {
        case "little" -> ByteOrder.LITTLE_ENDIAN;
        case "big" -> ByteOrder.BIG_ENDIAN;
        default -> throw new CheckpointException(path + ": unknown byte order '" + order + "' in " + entry.getName());
      };
    } catch (IOException e) {
      throw new CheckpointException(path + " is truncated or corrupt: cannot read " + entry.getName(), e);
    }
  }

  /** Resolves a persistent id: the entry must exist and hold at least the elements the pickle claims. */
  private TorchStorage storage(StorageType type, String key, String location, long elements) {
    TorchStorage known = storages.get(key);
    if (known != null) {
      if (known.type() != type) {
        throw new CheckpointException(path + ": storage '" + key + "' is named as " + known.type().className()
            + " and as " + type.className());
      }
      return known;
    }
    ZipEntry entry = zip.getEntry(prefix + "data/" + key);
    if (entry == null) {
      throw new CheckpointException(path + " is truncated or corrupt: the pickle names storage '" + key
          + "' but the archive has no entry " + prefix + "data/" + key);
    }
    long claimed;
    try {
      claimed = Math.multiplyExact(elements, type.dtype().bytes());
    } catch (ArithmeticException e) {
      claimed = Long.MAX_VALUE;
    }
    if (claimed > entry.getSize()) {
      throw new CheckpointException(path + " is corrupt: storage '" + key + "' claims " + elements + " elements of "
          + type.dtype() + " (" + claimed + " bytes) but its entry holds " + entry.getSize() + " bytes");
    }
    TorchStorage storage = new TorchStorage(type, key, elements, location);
    storages.put(key, storage);
    return storage;
  }

  public Path path() {
    return path;
  }

  /** The pickled value: a state dict (a map), a {@link TorchModule}, a {@link TorchTensor}, or a plain value. */
  public Object root() {
    return root;
  }

  /** The pickle as a state dict: names to tensors, in the file's order. */
  public Map<String, TorchTensor> stateDict() {
    if (!(root instanceof Map<?, ?> map)) {
      throw new CheckpointException(path + " holds " + describe(root) + ", not a state dict (a dict of tensors)");
    }
    Map<String, TorchTensor> tensors = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (!(e.getKey() instanceof String name) || !(e.getValue() instanceof TorchTensor t)) {
        throw new CheckpointException(path + ": entry " + e.getKey() + " of the state dict is " + describe(e.getValue())
            + ", not a tensor");
      }
      tensors.put(name, t);
    }
    return Collections.unmodifiableMap(tensors);
  }

  /** The pickle as a module ({@code torch.save(module)}). */
  public TorchModule module() {
    if (!(root instanceof TorchModule module)) {
      throw new CheckpointException(path + " holds " + describe(root) + ", not a pickled nn.Module");
    }
    return module;
  }

  /** A tensor's values widened to float32 (F32, F16, BF16 exactly; F64 rounded), in row-major order. */
  public float[] floats(TorchTensor t) {
    long count = t.elementCount();
    if (count > Integer.MAX_VALUE - 8) {
      throw new CheckpointException(path + ": tensor " + t + " has " + count + " elements, too many to read at once");
    }
    if (t.rowMajor()) {
      return read(t, t.offset(), (int) count);
    }
    float[] span = read(t, t.offset(), Math.toIntExact(t.extent()));
    float[] out = new float[(int) count];
    long[] shape = t.shape();
    long[] stride = t.stride();
    long[] index = new long[shape.length];
    for (int i = 0; i < out.length; i++) {
      long at = 0;
      for (int d = 0; d < shape.length; d++) {
        at += index[d] * stride[d];
      }
      out[i] = span[(int) at];
      for (int d = shape.length - 1; d >= 0 && ++index[d] == shape[d]; d--) {
        index[d] = 0;
      }
    }
    return out;
  }

  /** Rows {@code [first, first + rows)} of a row-major 2-D tensor, widened to float32. */
  public float[] rows(TorchTensor t, long first, int rows) {
    long[] shape = t.shape();
    if (shape.length != 2 || !t.rowMajor() || first < 0 || first + rows > shape[0]) {
      throw new IllegalArgumentException("rows [" + first + ", " + (first + rows) + ") of " + t);
    }
    return read(t, t.offset() + first * shape[1], Math.toIntExact(rows * shape[1]));
  }

  private float[] read(TorchTensor t, long fromElement, int count) {
    var dtype = t.storage().type().dtype();
    if (!dtype.isFloatingPoint()) {
      throw new CheckpointException(path + ": tensor " + t + " has dtype " + dtype + ", not floating point weights");
    }
    ZipEntry entry = zip.getEntry(prefix + "data/" + t.storage().key());
    int width = dtype.bytes();
    ByteBuffer bytes = ByteBuffer.wrap(read(entry, fromElement * width, Math.multiplyExact(count, width))).order(order);
    float[] out = new float[count];
    for (int i = 0; i < count; i++) {
      out[i] = dtype.floatAt(bytes, i);
    }
    return out;
  }

  /** Bytes {@code [start, start + length)} of an entry; the whole entry is checked against its CRC-32. */
  private byte[] read(ZipEntry entry, long start, int length) {
    if (start < 0 || start + length > entry.getSize()) {
      throw new CheckpointException(path + ": bytes [" + start + ", " + (start + length) + ") are outside "
          + entry.getName() + " (" + entry.getSize() + " bytes)");
    }
    byte[] bytes;
    try (InputStream in = zip.getInputStream(entry)) {
      in.skipNBytes(start);
      bytes = in.readNBytes(length);
    } catch (IOException e) {
      throw new CheckpointException(path + " is truncated or corrupt: cannot read " + entry.getName() + " ("
          + e.getMessage() + ")", e);
    }
    if (bytes.length != length) {
      throw new CheckpointException(path + " is truncated or corrupt: " + entry.getName() + " ends after "
          + (start + bytes.length) + " of " + entry.getSize() + " bytes");
    }
    if (start == 0 && length == entry.getSize() && entry.getCrc() != -1) {
      CRC32 crc = new CRC32();
      crc.update(bytes);
      if (crc.getValue() != entry.getCrc()) {
        throw new CheckpointException(path + " is corrupt: " + entry.getName() + " does not match its CRC-32");
      }
    }
    return bytes;
  }

  private static String describe(Object value) {
    if (value == null) {
      return "None";
    }
    if (value instanceof TorchModule m) {
      return "a " + m.className() + " module";
    }
    if (value instanceof List<?> l) {
      return "a sequence " + Arrays.toString(l.stream().map(TorchFile::describe).toArray());
    }
    return "a " + value.getClass().getSimpleName();
  }

  private static void closeQuietly(ZipFile zip) {
    try {
      zip.close();
    } catch (IOException ignored) {
      // closing a read-only archive has nothing to report
    }
  }

  @Override
  public void close() {
    closeQuietly(zip);
  }
}
