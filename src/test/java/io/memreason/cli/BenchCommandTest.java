package io.memreason.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.PrintWriter;
import java.io.StringWriter;
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
  void unknownShapeIsAOneLineError() {
    CommandLine cl = Main.commandLine();
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err));
    assertEquals(1, cl.execute("bench", "generate", "--shape", "gpt-9"));
    assertTrue(err.toString().contains("unknown model shape 'gpt-9'"), err.toString());
    assertEquals(1, err.toString().lines().count());
  }
}
