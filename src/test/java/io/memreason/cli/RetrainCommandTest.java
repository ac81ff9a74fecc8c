package io.memreason.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class RetrainCommandTest {

  private static String oneLineError(String... args) {
    CommandLine cl = Main.commandLine();
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err));
    assertEquals(1, cl.execute(args));
    assertEquals(1, err.toString().lines().count(), err.toString());
    return err.toString();
  }

  @Test
  void contradictoryOptionsAreAOneLineError() {
    assertTrue(oneLineError("retrain", "--if-due", "--force").contains("--if-due and --force contradict"));
  }

  @Test
  void withoutARegistryTheErrorSaysWhichKeyToSet() {
    String error = oneLineError("retrain", "--set", "topics.create=false", "--set", "retrain.eval-data=/eval.json");
    assertTrue(error.contains("set registry.dir"), error);
  }

  @Test
  void aMissingEvaluationSetIsNamed(@TempDir Path dir) {
    String error = oneLineError("retrain", "--set", "topics.create=false", "--set", "registry.dir=" + dir,
        "--set", "retrain.eval-data=" + dir.resolve("eval.json"));
    assertTrue(error.contains(dir.resolve("eval.json") + " (retrain.eval-data) does not exist"), error);
  }
}
