package io.memreason.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.memreason.config.MemreasonConfig;
import io.memreason.interop.ReferenceImport;
import io.memreason.llm.adapter.StepTokenWeights;
import io.memreason.reasoning.Decoding;
import io.memreason.reasoning.Reasoner;
import io.memreason.reasoning.ReasoningRequest;
import io.memreason.reasoning.Step;
import io.memreason.reasoning.Task;
import io.memreason.reasoning.Trace;
import io.memreason.reasoning.TraceListener;
import io.memreason.registry.ModelSource;
import io.memreason.training.GeneratedOutput;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint of the reference implementation named directly where memreason takes an adapter: {@code eval --adapter}
 * generates the reference's greedy continuations, and {@code model.adapter} (serve, demo, retrain) serves it from its
 * import under {@code model.cache-dir}, made once.
 */
class ReferenceRunCommandsTest {
  private static final Path SHARED = Path.of(System.getProperty("memreason.shared", "../shared"));
  private static final Path CASE = SHARED.resolve("reference-runs").resolve("seed-checkpoint");
  private static final Path CHECKPOINT = CASE.resolve("run").resolve("checkpoint-80");

  @TempDir
  Path dir;

  @Test
  void evalOfAReferenceCheckpointWritesTheReferencesGreedyContinuations() throws Exception {
    Path generations = dir.resolve("generations.json");
    CommandRun eval = CommandRun.of("eval", "--model", CASE.resolve("base").toString(), "--adapter",
        CHECKPOINT.toString(), "--dataset", SHARED.resolve("seed/datasets/StrategyQA_test_clean.json").toString(),
        "--task", "strategyqa", "--limit", "3", "--max-new-tokens", "24", "--out", generations.toString(),
        "--set", "model.cache-dir=" + dir.resolve("cache"), "--set", "engine.device=cpu", "--set", "engine.workers=1");
    assertEquals(0, eval.exitCode(), eval.err());
    assertEquals(3, JsonParser.parseString(eval.out().lines().reduce((a, b) -> b).orElseThrow()).getAsJsonObject()
        .get("n").getAsInt());
    List<GeneratedOutput> outputs = GeneratedOutput.readAll(generations);
    JsonArray prompts = expected().getAsJsonArray("prompts");
    for (int i = 0; i < 3; i++) {
      JsonObject p = prompts.get(i).getAsJsonObject();
      assertEquals(p.get("text").getAsString() + p.getAsJsonObject("greedy").get("decoded_continuation").getAsString(),
          outputs.get(i).generatedText(), "item " + i);
    }
  }

  @Test
  void modelAdapterMayNameAReferenceCheckpointWhichIsImportedOnceAndServed() throws Exception {
    MemreasonConfig config = MemreasonConfig.defaults().with(Map.of("model.dir", CASE.resolve("base").toString(),
        "model.adapter", CHECKPOINT.toString(), "model.cache-dir", dir.resolve("cache").toString(),
        "engine.device", "cpu", "engine.workers", "1"));
    ModelSource source = ReasonerFactory.configuredModel(config);
    Path imported = source.adapter().orElseThrow();
    assertTrue(imported.startsWith(dir.resolve("cache").resolve("reference-imports")), imported.toString());
    assertTrue(Files.isRegularFile(imported.resolve(StepTokenWeights.JSON_FILE)));
    FileTime written = Files.getLastModifiedTime(imported.resolve(ReferenceImport.RECORD_FILE));
    assertEquals(imported, ReasonerFactory.configuredModel(config).adapter().orElseThrow(), "the import is reused");
    assertEquals(written, Files.getLastModifiedTime(imported.resolve(ReferenceImport.RECORD_FILE)));

    JsonObject prompt = expected().getAsJsonArray("prompts").get(0).getAsJsonObject();
    String question = prompt.getAsJsonObject("source").get("question").getAsString();
    try (Reasoner reasoner = ReasonerFactory.create(config, new SimpleMeterRegistry())) {
      CompletableFuture<Trace> done = new CompletableFuture<>();
      reasoner.submit(new ReasoningRequest("q", question, Task.STRATEGYQA, List.of(), new Decoding(0f, 1f, 0, 24, 1L)),
          new TraceListener() {
            @Override
            public void onStep(Step step) {}

            @Override
            public void onFinished(Trace trace) {
              done.complete(trace);
            }
          }, Duration.ofSeconds(10));
      Trace trace = done.get(60, TimeUnit.SECONDS);
      assertEquals(prompt.getAsJsonArray("input_ids").size(), trace.promptTokens(), "the reference's prompt tokens");
      assertEquals(24, trace.generatedTokens());
      // These weights repeat a prefix token (expected.json's greedy tokens): no step, no answer.
      assertEquals(Trace.Status.TRUNCATED, trace.status());
    }
  }

  private static JsonObject expected() throws Exception {
    return JsonParser.parseString(Files.readString(CASE.resolve("expected.json"))).getAsJsonObject();
  }
}
