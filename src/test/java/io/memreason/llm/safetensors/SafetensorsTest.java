package io.memreason.llm.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.memreason.llm.CheckpointException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
  @TempDir
  Path dir;
  NDManager manager;

  @BeforeEach
  void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void close() {
    manager.close();
  }

  private static float[] values(int n, float scale) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) Math.sin(i * 0.37) * scale;
    }
    return v;
  }

  @Test
  void writtenTensorsReadBackExactly() throws IOException {
    Path file = dir.resolve("t.safetensors");
    float[] a = values(6, 3f);
    new SafetensorsWriter().addFloats("b.weight", new long[] {2, 3}, a, Dtype.F32)
        .addFloats("a.bias", new long[] {4}, values(4, 1f), Dtype.F32).write(file);
    try (SafetensorsCheckpoint c = SafetensorsCheckpoint.openFile(file)) {
      assertEquals(Set.of("a.bias", "b.weight"), c.names());
      NDArray loaded = c.load("b.weight", manager);
      assertEquals(new Shape(2, 3), loaded.getShape());
      assertArrayEquals(a, loaded.toFloatArray());
    }
    // Python's layout: length, JSON header padded with spaces to 8 bytes, metadata, tensors in name order.
    byte[] bytes = Files.readAllBytes(file);
    long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertEquals(0, headerLength % 8);
    String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
    assertTrue(header.startsWith("{\"__metadata__\":{\"format\":\"pt\"},\"a.bias\""), header);
    assertTrue(header.contains("\"a.bias\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}"), header);
    assertEquals(8 + headerLength + 40, bytes.length);
  }

  @Test
  void bfloat16IsWidenedExactlyAndRoundedToNearestEvenWhenWritten() {
    Path file = dir.resolve("bf16.safetensors");
    float[] v = {1f, -2.5f, 1.00390625f, 1.01171875f, 3.3f, 1e-20f};
    new SafetensorsWriter().addFloats("x", new long[] {6}, v, Dtype.BF16).write(file);
    try (SafetensorsCheckpoint c = SafetensorsCheckpoint.openFile(file)) {
      assertEquals(Dtype.BF16, c.info("x").dtype());
      float[] back = c.load("x", manager).toFloatArray();
      // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties go to the even mantissa (1); 1 + 3·2^-8 rounds up.
      assertArrayEquals(new float[] {1f, -2.5f, 1f, 1.015625f, 3.296875f, Float.intBitsToFloat(
          Float.floatToIntBits(1e-20f) + 0x8000 & 0xffff0000)}, back);
    }
  }

  @Test
  void float16AndFloat64AreConvertedToFloat32LikeTorchDoes() {
    float[] v = values(12, 1000f);
    v[0] = 65504f;
    v[1] = 6e-8f;
    NDArray reference = manager.create(v, new Shape(3, 4));
    NDArray half = reference.toType(DataType.FLOAT16, false);
    ByteBuffer halfBytes = half.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer doubles = ByteBuffer.allocate(12 * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) {
      doubles.putDouble(f);
    }
    doubles.flip();
    Path file = dir.resolve("mixed.safetensors");
    new SafetensorsWriter().addBytes("h", Dtype.F16, new long[] {3, 4}, halfBytes)
        .addBytes("d", Dtype.F64, new long[] {3, 4}, doubles).write(file);
    try (SafetensorsCheckpoint c = SafetensorsCheckpoint.openFile(file)) {
      assertArrayEquals(half.toType(DataType.FLOAT32, false).toFloatArray(), c.load("h", manager).toFloatArray());
      assertArrayEquals(v, c.load("d", manager).toFloatArray());
    }
  }

  @Test
  void largeTensorsAreReadInRowBlocks() {
    Path file = dir.resolve("big.safetensors");
    float[] v = values(7 * 5, 2f);
    new SafetensorsWriter().addFloats("m", new long[] {7, 5}, v, Dtype.BF16).write(file);
    try (SafetensorsCheckpoint whole = SafetensorsCheckpoint.openFile(file);
         SafetensorsCheckpoint blocks = SafetensorsCheckpoint.openFile(file).withChunkElements(10)) {
      NDArray inBlocks = blocks.load("m", manager);
      assertEquals(new Shape(7, 5), inBlocks.getShape());
      assertArrayEquals(whole.load("m", manager).toFloatArray(), inBlocks.toFloatArray());
    }
  }

  @Test
  void tensorsStreamIntoRowsOfAStackedArrayThatOutlivesTheFile() {
    Path file = dir.resolve("parts.safetensors");
    float[] q = values(4 * 3, 1f);
    float[] k = values(2 * 3, -3f);
    new SafetensorsWriter().addFloats("q", new long[] {4, 3}, q, Dtype.BF16)
        .addFloats("k", new long[] {2, 3}, chunks -> {
          chunks.accept(Arrays.copyOfRange(k, 0, 4));
          chunks.accept(Arrays.copyOfRange(k, 4, 6));
        }, Dtype.F32).write(file);
    NDArray stacked = manager.create(new Shape(6, 3), DataType.FLOAT32);
    float[] expectedQ;
    try (SafetensorsCheckpoint c = SafetensorsCheckpoint.openFile(file).withChunkElements(5)) {
      expectedQ = c.load("q", manager).toFloatArray();
      c.loadRows("q", stacked, 0);
      c.loadRows("k", stacked, 4);
      assertThrows(IllegalArgumentException.class, () -> c.loadRows("q", stacked, 3), "4 rows from row 3 of 6");
    }
    // Read after the file is closed: the arrays own their memory.
    float[] all = stacked.toFloatArray();
    assertArrayEquals(expectedQ, Arrays.copyOfRange(all, 0, 12));
    assertArrayEquals(k, Arrays.copyOfRange(all, 12, 18));
  }

  @Test
  void shardedCheckpointsFollowTheIndex() throws IOException {
    new SafetensorsWriter().addFloats("a", new long[] {2}, new float[] {1, 2}, Dtype.F32)
        .write(dir.resolve("model-00001-of-00002.safetensors"));
    new SafetensorsWriter().addFloats("b", new long[] {1}, new float[] {3}, Dtype.F32)
        .addFloats("unlisted", new long[] {1}, new float[] {4}, Dtype.F32)
        .write(dir.resolve("model-00002-of-00002.safetensors"));
    Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX_FILE), "{\"metadata\": {}, \"weight_map\": "
        + "{\"a\": \"model-00001-of-00002.safetensors\", \"b\": \"model-00002-of-00002.safetensors\"}}");
    try (SafetensorsCheckpoint c = SafetensorsCheckpoint.openFolder(dir)) {
      assertEquals(Set.of("a", "b"), c.names());
      assertArrayEquals(new float[] {3}, c.load("b", manager).toFloatArray());
    }
    Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX_FILE),
        "{\"weight_map\": {\"a\": \"model-00002-of-00002.safetensors\"}}");
    assertMessage(() -> SafetensorsCheckpoint.openFolder(dir), "tensor 'a'", "model-00002-of-00002.safetensors");
    Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX_FILE), "{\"weight_map\": {\"a\": \"missing.safetensors\"}}");
    assertMessage(() -> SafetensorsCheckpoint.openFolder(dir), "missing.safetensors", "does not exist");
  }

  // --- malformed files: a clear error naming the file (and tensor), never a crash or a huge allocation ---

  private Path raw(String header, int dataBytes, long declaredLength) throws IOException {
    byte[] json = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(declaredLength).put(json);
    Path file = dir.resolve("bad.safetensors");
    Files.write(file, b.array());
    return file;
  }

  private Path raw(String header, int dataBytes) throws IOException {
    return raw(header, dataBytes, header.getBytes(StandardCharsets.UTF_8).length);
  }

  private static void assertMessage(org.junit.jupiter.api.function.Executable e, String... parts) {
    CheckpointException x = assertThrows(CheckpointException.class, e);
    for (String p : parts) {
      assertTrue(x.getMessage().contains(p), "message '" + x.getMessage() + "' lacks '" + p + "'");
    }
  }

  @Test
  void headerLongerThanTheFileIsRejectedBeforeAllocating() throws IOException {
    Path file = raw("{}", 0, Long.MAX_VALUE / 2);
    assertMessage(() -> SafetensorsFile.open(file), file.toString(), "header");
    Path negative = raw("{}", 0, -8);
    assertMessage(() -> SafetensorsFile.open(negative), "header");
    Path tiny = dir.resolve("tiny.safetensors");
    Files.write(tiny, new byte[] {1, 2, 3});
    assertMessage(() -> SafetensorsFile.open(tiny), tiny.toString(), "shorter than");
  }

  @Test
  void headerThatIsNotJsonIsRejected() throws IOException {
    Path file = raw("{\"x\": [", 0);
    assertMessage(() -> SafetensorsFile.open(file), file.toString(), "not valid JSON");
  }

  @Test
  void offsetsOutsideTheDataAreRejected() throws IOException {
    Path file = raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8);
    assertMessage(() -> SafetensorsFile.open(file), file.toString(), "'w'", "outside the data section");
    Path reversed = raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", 8);
    assertMessage(() -> SafetensorsFile.open(reversed), "'w'", "data_offsets");
  }

  @Test
  void unknownDtypeIsRejected() throws IOException {
    Path file = raw("{\"w\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2);
    assertMessage(() -> SafetensorsFile.open(file), "'w'", "unknown dtype Q4");
  }

  @Test
  void shapeNotMatchingTheByteCountIsRejected() throws IOException {
    Path file = raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8);
    assertMessage(() -> SafetensorsFile.open(file), "'w'", "12 bytes", "span 8");
    Path overflow = raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[9223372036854775807, 4],\"data_offsets\":[0,8]}}", 8);
    assertMessage(() -> SafetensorsFile.open(overflow), "'w'", "too large");
    Path fractional = raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4);
    assertMessage(() -> SafetensorsFile.open(fractional), "'w'", "invalid shape");
  }

  @Test
  void missingTensorAndNonFloatTensorAreClearErrors() throws IOException {
    Path file = dir.resolve("ints.safetensors");
    ByteBuffer ints = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1).putLong(2);
    ints.flip();
    new SafetensorsWriter().addBytes("ids", Dtype.I64, new long[] {2}, ints).write(file);
    try (SafetensorsCheckpoint c = SafetensorsCheckpoint.openFile(file)) {
      assertMessage(() -> c.load("embed", manager), "'embed'", "missing", file.toString());
      assertMessage(() -> c.load("ids", manager), "ids", "I64", file.toString());
    }
  }

  @Test
  void metadataIsKept() {
    Path file = dir.resolve("m.safetensors");
    new SafetensorsWriter().addFloats("x", new long[] {1}, new float[] {1}, Dtype.F32).write(file);
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      assertEquals(Map.of("format", "pt"), f.metadata());
    }
  }
}
