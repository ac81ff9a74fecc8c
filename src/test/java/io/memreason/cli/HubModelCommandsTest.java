package io.memreason.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.memreason.hub.FakeHub;
import io.memreason.llm.random.ModelShape;
import io.memreason.llm.random.RandomCheckpoint;
import io.memreason.llm.safetensors.Dtype;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The commands that take a model with an {@code hf:} id, against a fake Hub on 127.0.0.1 serving a tiny random Llama
 * with a byte-level tokenizer: {@code fetch-model}, {@code eval --model hf:… --adapter hf:…} (the same generations as
 * from the folders), {@code train --base hf:…}.
 */
class HubModelCommandsTest {
  private static final Path DATASETS = Path.of(System.getProperty("memreason.shared", "../shared"), "seed", "datasets");

  @TempDir
  Path dir;

  private FakeHub hub;
  private Path base;
  private String commit;

  @BeforeEach
  void publishATinyModel() {
    hub = FakeHub.start();
    base = dir.resolve("base");
    RandomCheckpoint.write(base, ModelShape.TINY, 3, Dtype.F32);
    commit = hub.publishFolder("memreason/tiny", base, Map.of("pytorch_model.bin", new byte[64]));
  }

  @AfterEach
  void stopHub() {
    hub.close();
  }

  @Test
  void fetchModelPrintsTheSnapshotFolderAsItsLastLine() {
    Run fetch = run("fetch-model", "hf:memreason/tiny");

    assertEquals(0, fetch.exitCode, fetch.err);
    List<String> lines = fetch.out.lines().toList();
    Path snapshot = dir.resolve("hf/hub/models--memreason--tiny/snapshots").resolve(commit);
    assertEquals(snapshot.toString(), lines.get(lines.size() - 1));
    assertTrue(Files.isRegularFile(snapshot.resolve("model.safetensors")));
    assertTrue(Files.isRegularFile(snapshot.resolve("tokenizer.json")));
    assertTrue(Files.notExists(snapshot.resolve("pytorch_model.bin")));
  }

  @Test
  void aHubErrorIsOneLineAndABadIdAUsageError() {
    Run missing = run("fetch-model", "hf:memreason/absent");
    assertEquals(1, missing.exitCode);
    assertEquals(List.of("memreason fetch-model: no repository memreason/absent on " + hub.endpoint()
        + " (HTTP 404: Repository Not Found); a private one needs HF_TOKEN"), missing.err.lines().toList());

    Run bad = run("fetch-model", "hf:../etc");
    assertEquals(2, bad.exitCode);
    assertTrue(bad.err.contains("'../etc' is not a Hugging Face repository id"), bad.err);
    assertEquals(1, bad.err.lines().count(), bad.err);

    Run folder = run("fetch-model", base.toString());
    assertEquals(2, folder.exitCode);
    assertEquals(List.of("memreason: fetch-model takes a model on the Hub, hf:ORG/NAME[@REVISION], not the folder "
        + base + " (see --help)"), folder.err.lines().toList());
  }

  @Test
  void trainAndEvalTakeHubModelsAndGenerateAsFromTheirFolders() throws Exception {
    Path out = dir.resolve("run");
    Run train = run("train", "--base", "hf:memreason/tiny", "--task", "strategyqa", "--out", out.toString(),
        "--dataset", DATASETS.resolve("StrategyQA_train_clean.json").toString(), "--train-limit", "8",
        "--epochs", "1", "--batch", "4", "--grad-accum", "1", "--max-length", "64", "--lr", "1e-3",
        "--lora-r", "4", "--prefix-tokens", "2", "--tokens-per-kind", "1");
    assertEquals(0, train.exitCode, train.err);
    Path adapter = Path.of(lastJsonLine(train.out).get("last").getAsString());
    hub.publishFolder("memreason/tiny-strategyqa-lora", adapter, Map.of());

    Run fromFolders = eval(base.toString(), adapter.toString(), dir.resolve("from-folders.json"));
    Run fromHub = eval("hf:memreason/tiny@main", "hf:memreason/tiny-strategyqa-lora", dir.resolve("from-hub.json"));

    assertEquals(0, fromFolders.exitCode, fromFolders.err);
    assertEquals(0, fromHub.exitCode, fromHub.err);
    assertEquals(lastJsonLine(fromFolders.out), lastJsonLine(fromHub.out));
    String generated = Files.readString(dir.resolve("from-hub.json"));
    assertEquals(Files.readString(dir.resolve("from-folders.json")), generated);
    assertTrue(generated.contains("<prefix_0> <prefix_1>"), "the adapter's step tokens came from the Hub: " + generated);
  }

  private Run eval(String model, String adapter, Path generations) {
    return run("eval", "--model", model, "--adapter", adapter,
        "--dataset", DATASETS.resolve("StrategyQA_test_clean.json").toString(), "--task", "strategyqa",
        "--limit", "2", "--max-new-tokens", "8", "--out", generations.toString(), "--set", "engine.workers=1",
        "--set", "engine.max-total-tokens=256", "--set", "engine.device=cpu");
  }

  private static JsonObject lastJsonLine(String out) {
    List<String> lines = out.lines().toList();
    return JsonParser.parseString(lines.get(lines.size() - 1)).getAsJsonObject();
  }

  private record Run(int exitCode, String out, String err) {}

  /** A command with this fake Hub as the endpoint and a Hub home of the test's own. */
  private Run run(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--set", "hub.endpoint=" + hub.endpoint(), "--set", "hub.home=" + dir.resolve("hf")));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(all.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }
}
