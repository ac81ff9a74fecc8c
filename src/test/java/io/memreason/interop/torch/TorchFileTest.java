package io.memreason.interop.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.interop.torch.TorchArchives.Pickle;
import io.memreason.interop.torch.TorchArchives.Tensor;
import io.memreason.llm.CheckpointException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The allow-listed torch.save reader: the real files of the reference, every storage dtype, and the refusals: a
 * pickle that would run {@code os.system}, globals and opcodes torch.save never writes, sizes claimed beyond the
 * archive's entries, truncated or corrupt archives, and the legacy pre-zip format.
 */
class TorchFileTest {
  private static final Path CHECKPOINT = Path.of(System.getProperty("memreason.shared", "../shared"),
      "reference-runs", "seed-checkpoint", "run", "checkpoint-80");

  @TempDir
  Path dir;

  @Test
  void readsTheReferencesStateDictAndModules() {
    try (TorchFile adapter = TorchFile.open(CHECKPOINT.resolve("adapter_model.bin"))) {
      Map<String, TorchTensor> tensors = adapter.stateDict();
      assertEquals(35, tensors.size());
      TorchTensor a = tensors.get("base_model.model.model.layers.0.mlp.gate_proj.lora_A.weight");
      assertArrayEquals(new long[] {16, 64}, a.shape());
      assertEquals(StorageType.FLOAT, a.storage().type());
      assertEquals(16 * 64, adapter.floats(a).length);
      // The tied base tables are one storage, named twice.
      assertSame(tensors.get("base_model.model.model.embed_tokens.original_embedding.weight").storage(),
          tensors.get("base_model.model.lm_head.original_linear.weight").storage());
    }
    try (TorchFile input = TorchFile.open(CHECKPOINT.resolve("input_embeddings.pt"));
         TorchFile output = TorchFile.open(CHECKPOINT.resolve("output_embeddings.pt"))) {
      assertEquals("torch.nn.modules.sparse.Embedding", input.module().className());
      assertArrayEquals(new long[] {18, 64}, input.module().parameter("weight").orElseThrow().shape());
      assertTrue(input.module().parameter("bias").isEmpty());
      TorchModule linear = output.module();
      assertEquals("Linear", linear.simpleName());
      assertEquals(64L, linear.state().get("in_features"));
      TorchTensor bias = linear.parameter("bias").orElseThrow();
      assertArrayEquals(new long[] {18}, bias.shape());
      assertTrue(bias.parameter());
      assertFalse(bias.requiresGrad());
      assertTrue(linear.parameter("weight").orElseThrow().requiresGrad());
      float[] values = output.floats(bias);
      for (float v : values) {
        assertTrue(Math.abs(v) <= 0.125f, "nn.Linear's default bias lies in ±1/sqrt(64): " + v);
      }
    }
  }

  @Test
  void widensEveryFloatingStorageAndDescribesTheOthers() throws IOException {
    float[] values = {1.5f, -2.25f, 0.0078125f, 65504f};
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    Map<String, byte[]> storages = new LinkedHashMap<>();
    tensors.put("f32", Tensor.of(StorageType.FLOAT, "0", 4));
    storages.put("0", TorchArchives.f32(values));
    tensors.put("f16", Tensor.of(StorageType.HALF, "1", 4));
    storages.put("1", shorts(0x3e00, 0xc080, 0x2000, 0x7bff));
    tensors.put("bf16", Tensor.of(StorageType.BFLOAT16, "2", 4));
    storages.put("2", shorts(0x3fc0, 0xc010, 0x3c00, 0x477f));
    tensors.put("f64", Tensor.of(StorageType.DOUBLE, "3", 4));
    ByteBuffer doubles = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      doubles.putDouble(v);
    }
    storages.put("3", doubles.array());
    int key = 4;
    for (StorageType t : new StorageType[] {StorageType.LONG, StorageType.INT, StorageType.SHORT, StorageType.CHAR,
        StorageType.BYTE, StorageType.BOOL}) {
      tensors.put(t.name(), Tensor.of(t, String.valueOf(key), 2));
      storages.put(String.valueOf(key++), new byte[2 * t.dtype().bytes()]);
    }
    Path file = TorchArchives.write(dir.resolve("dtypes.bin"), "archive", TorchArchives.stateDict(tensors), storages);
    try (TorchFile torch = TorchFile.open(file)) {
      Map<String, TorchTensor> read = torch.stateDict();
      assertArrayEquals(values, torch.floats(read.get("f32")));
      assertArrayEquals(new float[] {1.5f, -2.25f, 0.0078125f, 65504f}, torch.floats(read.get("f16")));
      assertArrayEquals(new float[] {1.5f, -2.25f, 0.0078125f, 65280f}, torch.floats(read.get("bf16")));
      assertArrayEquals(values, torch.floats(read.get("f64")));
      assertEquals(StorageType.LONG, read.get("LONG").storage().type());
      CheckpointException e = assertThrows(CheckpointException.class, () -> torch.floats(read.get("LONG")));
      assertTrue(e.getMessage().contains("I64, not floating point"), e.getMessage());
    }
  }

  @Test
  void readsAStridedViewInItsOwnOrder() throws IOException {
    // A [3, 2] transpose of a row-major [2, 3] storage, offset by one element.
    Tensor t = new Tensor(StorageType.FLOAT, "0", 7, 1, new long[] {3, 2}, new long[] {1, 3});
    Path file = TorchArchives.write(dir.resolve("view.bin"), "archive", TorchArchives.stateDict(Map.of("t", t)),
        Map.of("0", TorchArchives.f32(9, 1, 2, 3, 4, 5, 6)));
    try (TorchFile torch = TorchFile.open(file)) {
      assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, torch.floats(torch.stateDict().get("t")));
    }
  }

  @Test
  void aPickleThatWouldCallOsSystemIsRefusedByName() throws IOException {
    for (String module : new String[] {"posix", "os", "nt"}) {
      byte[] pickle = new Pickle().proto(2).global(module, "system").mark().string("touch /tmp/memreason-pwned")
          .tuple().reduce().stop().bytes();
      Path file = TorchArchives.write(dir.resolve(module + ".bin"), "archive", pickle, Map.of());
      CheckpointException e = assertThrows(CheckpointException.class, () -> TorchFile.open(file));
      assertTrue(e.getMessage().contains("refused the global '" + module + ".system'"), e.getMessage());
    }
    assertFalse(Files.exists(Path.of("/tmp/memreason-pwned")));
  }

  @Test
  void everyOtherGlobalIsRefusedByNameWhereverItHides() throws IOException {
    // Protocol 4's STACK_GLOBAL names the callable from strings on the stack.
    byte[] stackGlobal = new Pickle().proto(4).op(0x8c, 8).op("builtins".getBytes(StandardCharsets.US_ASCII))
        .op(0x8c, 4).op("eval".getBytes(StandardCharsets.US_ASCII)).op(0x93).mark().string("1").tuple().reduce()
        .stop().bytes();
    assertRefused(stackGlobal, "refused the global 'builtins.eval'");
    // A storage class that is not one.
    byte[] inPersistentId = new Pickle().proto(2).mark().string("storage").global("subprocess", "Popen")
        .string("0").string("cpu").integer(1).tuple().op('Q').stop().bytes();
    assertRefused(inPersistentId, "refused the global 'subprocess.Popen'");
    // A module class outside the two the reference saves.
    byte[] conv = new Pickle().proto(2).global("torch.nn.modules.conv", "Conv2d").emptyTuple().op(0x81).stop().bytes();
    assertRefused(conv, "refused the global 'torch.nn.modules.conv.Conv2d'");
    // An allowed class used in a way torch.save never writes builds nothing.
    byte[] linearCalled = new Pickle().proto(2).global("torch.nn.modules.linear", "Linear").mark().integer(4)
        .integer(4).tuple().reduce().stop().bytes();
    assertRefused(linearCalled, "refused a call of torch.nn.modules.linear.Linear");
    // Protocol 0's INST imports and calls in one opcode.
    byte[] inst = new Pickle().proto(2).mark().op("ios\nsystem\n".getBytes(StandardCharsets.US_ASCII)).stop().bytes();
    assertRefused(inst, "refused the pickle opcode 'i'");
  }

  @Test
  void aStorageClaimingMoreThanItsEntryHoldsIsAnError() throws IOException {
    Tensor huge = new Tensor(StorageType.FLOAT, "0", 1L << 40, 0, new long[] {1L << 40}, new long[] {1});
    Path file = TorchArchives.write(dir.resolve("claims.bin"), "archive", TorchArchives.stateDict(Map.of("t", huge)),
        Map.of("0", TorchArchives.f32(1, 2, 3, 4)));
    CheckpointException e = assertThrows(CheckpointException.class, () -> TorchFile.open(file));
    assertTrue(e.getMessage().contains("claims 1099511627776 elements of F32 (4398046511104 bytes) but its entry holds "
        + "16 bytes"), e.getMessage());

    Tensor beyond = new Tensor(StorageType.FLOAT, "0", 4, 2, new long[] {3}, new long[] {1});
    Path view = TorchArchives.write(dir.resolve("beyond.bin"), "archive", TorchArchives.stateDict(Map.of("t", beyond)),
        Map.of("0", TorchArchives.f32(1, 2, 3, 4)));
    e = assertThrows(CheckpointException.class, () -> TorchFile.open(view));
    assertTrue(e.getMessage().contains("reaches element 5 of storage '0', which has 4"), e.getMessage());

    Path missing = TorchArchives.write(dir.resolve("missing.bin"), "archive",
        TorchArchives.stateDict(Map.of("t", Tensor.of(StorageType.FLOAT, "7", 1))), Map.of());
    e = assertThrows(CheckpointException.class, () -> TorchFile.open(missing));
    assertTrue(e.getMessage().contains("names storage '7' but the archive has no entry archive/data/7"), e.getMessage());

    // A string claiming 2 GiB in a pickle of a few bytes is refused before anything is allocated.
    byte[] longString = new Pickle().proto(2).op('X', 0xff, 0xff, 0xff, 0x7f).op('a').stop().bytes();
    assertRefused(longString, "is truncated or corrupt: the opcode at byte 2 needs 2147483647 more bytes");
  }

  @Test
  void aTruncatedOrCorruptArchiveGivesAClearError() throws IOException {
    byte[] whole = Files.readAllBytes(CHECKPOINT.resolve("output_embeddings.pt"));
    for (int length : new int[] {whole.length / 2, whole.length - 10, 100}) {
      Path cut = Files.write(dir.resolve("cut-" + length + ".pt"), Arrays.copyOf(whole, length));
      CheckpointException e = assertThrows(CheckpointException.class, () -> TorchFile.open(cut));
      assertTrue(e.getMessage().contains("is truncated or corrupt"), e.getMessage());
    }
    // One flipped byte in a storage: found by the entry's CRC-32 when the tensor is read.
    byte[] flipped = whole.clone();
    int at = indexOf(whole, "output_embeddings/data/0".getBytes(StandardCharsets.US_ASCII)) + 200;
    flipped[at] ^= 0x40;
    Path corrupt = Files.write(dir.resolve("corrupt.pt"), flipped);
    try (TorchFile torch = TorchFile.open(corrupt)) {
      TorchTensor weight = torch.module().parameter("weight").orElseThrow();
      CheckpointException e = assertThrows(CheckpointException.class, () -> torch.floats(weight));
      assertTrue(e.getMessage().contains("is corrupt: output_embeddings/data/0 does not match its CRC-32"),
          e.getMessage());
    }
    Path empty = Files.write(dir.resolve("empty.pt"), new byte[0]);
    CheckpointException e = assertThrows(CheckpointException.class, () -> TorchFile.open(empty));
    assertTrue(e.getMessage().contains("is not a torch.save file (no zip archive: it is empty)"), e.getMessage());
  }

  @Test
  void anOldStyleTorchFileGivesAConversionHint() throws IOException {
    // torch < 1.6 wrote a bare pickle: PROTO 2, then the magic number 0x1950a86a20f9469cfc6c as a LONG1.
    byte[] legacy = {(byte) 0x80, 2, (byte) 0x8a, 10, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a,
        (byte) 0xa8, 0x50, 0x19, '.'};
    Path file = Files.write(dir.resolve("old.pt"), legacy);
    CheckpointException e = assertThrows(CheckpointException.class, () -> TorchFile.open(file));
    assertTrue(e.getMessage().contains("legacy torch.save format of torch < 1.6 (a bare pickle"), e.getMessage());
    assertTrue(e.getMessage().contains("torch.save(torch.load('old.pt', weights_only=False), 'converted.pt')"),
        e.getMessage());
    byte[] tar = new byte[1024];
    System.arraycopy("ustar".getBytes(StandardCharsets.US_ASCII), 0, tar, 257, 5);
    Path tarFile = Files.write(dir.resolve("older.pt"), tar);
    e = assertThrows(CheckpointException.class, () -> TorchFile.open(tarFile));
    assertTrue(e.getMessage().contains("legacy torch.save format of torch < 1.6 (a tar"), e.getMessage());
  }

  @Test
  void anArchiveThatIsNotATorchSaveIsNamedAsSuch() throws IOException {
    Path noPickle = TorchArchives.write(dir.resolve("plain.zip"), "archive", new byte[0], Map.of());
    Path renamed = Files.write(dir.resolve("renamed.zip"), new String(Files.readAllBytes(noPickle),
        StandardCharsets.ISO_8859_1).replace("archive/data.pkl", "archive/data.txt").getBytes(StandardCharsets.ISO_8859_1));
    CheckpointException e = assertThrows(CheckpointException.class, () -> TorchFile.open(renamed));
    assertTrue(e.getMessage().contains("without <name>/data.pkl: not a torch.save file"), e.getMessage());
  }

  private void assertRefused(byte[] pickle, String message) throws IOException {
    Path file = TorchArchives.write(Files.createTempFile(dir, "refused", ".bin"), "archive", pickle, Map.of());
    CheckpointException e = assertThrows(CheckpointException.class, () -> TorchFile.open(file));
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  private static byte[] shorts(int... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (int v : values) {
      b.putShort((short) v);
    }
    return b.array();
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found");
  }
}
