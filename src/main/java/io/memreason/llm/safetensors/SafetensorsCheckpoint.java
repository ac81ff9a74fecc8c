package io.memreason.llm.safetensors;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.memreason.llm.CheckpointException;
import java.io.IOException;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tensors of one safetensors file or of a sharded set ({@code model.safetensors.index.json} mapping each
 * tensor to its shard). Tensors are converted to float32 as they are loaded; very large ones are read in row
 * blocks and joined natively, so neither a Java buffer nor DJL's int-sized allocation sees more than
 * {@value #CHUNK_ELEMENTS} elements at once.
 */
public final class SafetensorsCheckpoint implements TensorSource, AutoCloseable {
  public static final String SINGLE_FILE = "model.safetensors";
  public static final String INDEX_FILE = "model.safetensors.index.json";
  static final int CHUNK_ELEMENTS = 64 << 20;

  private final String description;
  private final List<SafetensorsFile> files;
  private final Map<String, TensorLocation> tensors;
  private final int chunkElements;

  private record TensorLocation(SafetensorsFile file, TensorInfo info) {}

  private SafetensorsCheckpoint(String description, List<SafetensorsFile> files, Map<String, TensorLocation> tensors,
                                int chunkElements) {
    this.description = description;
    this.files = files;
    this.tensors = tensors;
    this.chunkElements = chunkElements;
  }

  /** The same files read in smaller row blocks (tests exercise the block path with tiny tensors). */
  SafetensorsCheckpoint withChunkElements(int elements) {
    return new SafetensorsCheckpoint(description, files, tensors, elements);
  }

  /** Opens one safetensors file. */
  public static SafetensorsCheckpoint openFile(Path file) {
    SafetensorsFile f = SafetensorsFile.open(file);
    Map<String, TensorLocation> tensors = new LinkedHashMap<>();
    for (String name : f.names()) {
      tensors.put(name, new TensorLocation(f, f.info(name).orElseThrow()));
    }
    return new SafetensorsCheckpoint(file.toString(), List.of(f), Collections.unmodifiableMap(tensors), CHUNK_ELEMENTS);
  }

  /** Opens the weights of a Hugging Face model folder: the shard index if there is one, else model.safetensors. */
  public static SafetensorsCheckpoint openFolder(Path dir) {
    Path index = dir.resolve(INDEX_FILE);
    if (Files.isRegularFile(index)) {
      return openSharded(index);
    }
    Path single = dir.resolve(SINGLE_FILE);
    if (Files.isRegularFile(single)) {
      return openFile(single);
    }
    throw new CheckpointException("no " + SINGLE_FILE + " or " + INDEX_FILE + " in " + dir
        + ": pass a Hugging Face model folder with safetensors weights");
  }

  private static SafetensorsCheckpoint openSharded(Path index) {
    Map<String, String> weightMap = readWeightMap(index);
    Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
    Map<String, TensorLocation> tensors = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, String> e : weightMap.entrySet()) {
        Path shardPath = index.resolveSibling(e.getValue()).normalize();
        if (!shardPath.startsWith(index.getParent().normalize())) {
          throw new CheckpointException(index + " names shard " + e.getValue() + " outside its folder");
        }
        SafetensorsFile shard = shards.get(e.getValue());
        if (shard == null) {
          shard = SafetensorsFile.open(shardPath);
          shards.put(e.getValue(), shard);
        }
        SafetensorsFile inShard = shard;
        TensorInfo info = shard.info(e.getKey()).orElseThrow(() -> new CheckpointException(index + " places tensor '"
            + e.getKey() + "' in " + inShard.path() + " but that file does not contain it"));
        tensors.put(e.getKey(), new TensorLocation(shard, info));
      }
    } catch (RuntimeException e) {
      shards.values().forEach(SafetensorsFile::close);
      throw e;
    }
    return new SafetensorsCheckpoint(index.toString(), new ArrayList<>(shards.values()),
        Collections.unmodifiableMap(tensors), CHUNK_ELEMENTS);
  }

  private static Map<String, String> readWeightMap(Path index) {
    JsonObject root;
    try (Reader r = Files.newBufferedReader(index)) {
      JsonElement e = JsonParser.parseReader(r);
      root = e.isJsonObject() ? e.getAsJsonObject() : null;
    } catch (IOException | RuntimeException e) {
      throw new CheckpointException("cannot read shard index " + index + ": " + e.getMessage(), e);
    }
    if (root == null || !root.has("weight_map") || !root.get("weight_map").isJsonObject()) {
      throw new CheckpointException("shard index " + index + " has no weight_map object");
    }
    Map<String, String> map = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> e : root.getAsJsonObject("weight_map").entrySet()) {
      if (!e.getValue().isJsonPrimitive()) {
        throw new CheckpointException("shard index " + index + " maps tensor '" + e.getKey() + "' to a non-string");
      }
      map.put(e.getKey(), e.getValue().getAsString());
    }
    return map;
  }

  @Override
  public Set<String> names() {
    return tensors.keySet();
  }

  @Override
  public long[] shape(String name) {
    return locate(name).info().shape();
  }

  /** The tensor's header entry: stored type, shape and byte range. */
  public TensorInfo info(String name) {
    return locate(name).info();
  }

  @Override
  public NDArray load(String name, NDManager manager) {
    TensorLocation loc = locate(name);
    TensorInfo info = loc.info();
    long count = info.elementCount();
    Shape shape = new Shape(info.shape());
    if (count <= chunkElements) {
      return manager.create(loc.file().readFloats(info, 0, (int) count), shape, DataType.FLOAT32);
    }
    long rows = info.shape()[0];
    long rowElements = count / rows;
    long rowsPerChunk = Math.max(1, chunkElements / rowElements);
    if (rowElements > Integer.MAX_VALUE / 8) {
      throw new CheckpointException("tensor " + name + " in " + loc.file().path() + " has rows of " + rowElements
          + " elements, too long to load");
    }
    NDList chunks = new NDList();
    try {
      for (long row = 0; row < rows; row += rowsPerChunk) {
        long n = Math.min(rowsPerChunk, rows - row);
        ByteBuffer data = loc.file().readFloats(info, row * rowElements, (int) (n * rowElements));
        long[] chunkShape = info.shape();
        chunkShape[0] = n;
        chunks.add(manager.create(data, new Shape(chunkShape), DataType.FLOAT32));
      }
      return NDArrays.concat(chunks, 0);
    } finally {
      chunks.close();
    }
  }

  /** Elements {@code [from, from + count)} of a floating-point tensor in row-major order, widened to float32. */
  public float[] floats(String name, long from, int count) {
    TensorLocation loc = locate(name);
    float[] out = new float[count];
    loc.file().readFloats(loc.info(), from, count).asFloatBuffer().get(out);
    return out;
  }

  private TensorLocation locate(String name) {
    TensorLocation loc = tensors.get(name);
    if (loc == null) {
      throw new CheckpointException("tensor '" + name + "' is missing from " + description);
    }
    return loc;
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public void close() {
    files.forEach(SafetensorsFile::close);
  }
}
