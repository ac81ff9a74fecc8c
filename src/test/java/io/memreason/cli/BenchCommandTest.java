package io.memreason.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BenchCommandTest {

  @Test
  void benchGeneratePrintsOneJsonLinePerBatchSize() {
    CommandLine cl = Main.commandLine();
    StringWriter out = new StringWriter();
    cl.setOut(new PrintWriter(out));
    int code = cl.execute("bench", "generate", "--shape", "tiny", "--workers", "2", "--batches", "1,3",
        "--prompt-tokens", "5", "--new-tokens", "4");
    assertEquals(0, code);
    List<String> lines = out.toString().lines().toList();
    assertEquals(2, lines.size(), out.toString());
    for (int i = 0; i < 2; i++) {
      JsonObject o = JsonParser.parseString(lines.get(i)).getAsJsonObject();
      assertEquals("tiny", o.get("shape").getAsString());
      assertEquals(List.of(1, 3).get(i), o.get("batch").getAsInt());
      assertEquals(2, o.get("workers").getAsInt());
      assertTrue(o.get("prefillTokensPerSecond").getAsDouble() > 0);
      assertTrue(o.get("decodeTokensPerSecond").getAsDouble() > 0);
      assertTrue(o.get("peakResidentMb").getAsDouble() > 0);
    }
  }

  @Test
  void benchLoadWritesLoadsAndDeletesAShardedCheckpoint() throws Exception {
    long before = benchFolders();
    CommandLine cl = Main.commandLine();
    StringWriter out = new StringWriter();
    cl.setOut(new PrintWriter(out));
    assertEquals(0, cl.execute("bench", "load", "--shape", "tiny", "--shards", "2"));
    List<String> lines = out.toString().lines().toList();
    assertEquals(1, lines.size(), out.toString());
    JsonObject o = JsonParser.parseString(lines.get(0)).getAsJsonObject();
    assertEquals("tiny", o.get("shape").getAsString());
    assertEquals(2, o.get("shards").getAsInt());
    assertTrue(o.get("loadSeconds").getAsDouble() > 0);
    assertTrue(o.get("gbPerSecond").getAsDouble() > 0);
    assertTrue(o.get("peakRssMb").getAsDouble() >= o.get("rssBeforeMb").getAsDouble());
    // The tiny shape's largest tensor is its [384, 64] embedding (and untied head), as float32.
    assertEquals(384 * 64 * 4 / (double) (1 << 20), o.get("largestTensorMb").getAsDouble(), 1e-9);
    assertTrue(o.get("loadedWeightsMb").getAsDouble() > 2 * o.get("largestTensorMb").getAsDouble());
    assertEquals(before, benchFolders(), "the checkpoint folder is deleted");
  }

  private static long benchFolders() throws IOException {
    try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return files.filter(p -> p.getFileName().toString().startsWith("memreason-bench-load")).count();
    }
  }

  @Test
  void unknownShapeIsAOneLineError() {
    CommandLine cl = Main.commandLine();
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err));
    assertEquals(1, cl.execute("bench", "generate", "--shape", "gpt-9"));
    assertTrue(err.toString().contains("unknown model shape 'gpt-9'"), err.toString());
    assertEquals(1, err.toString().lines().count());
  }
}
