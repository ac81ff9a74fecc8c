package io.memreason.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.config.MemreasonConfig;
import io.memreason.feedback.LabelledTrace;
import io.memreason.feedback.LoraRetrainer;
import io.memreason.feedback.RetrainingData;
import io.memreason.llm.random.ModelShape;
import io.memreason.llm.random.RandomCheckpoint;
import io.memreason.llm.safetensors.Dtype;
import io.memreason.reasoning.Decoding;
import io.memreason.reasoning.ReasoningRequest;
import io.memreason.reasoning.Step;
import io.memreason.reasoning.StepKind;
import io.memreason.reasoning.StepText;
import io.memreason.reasoning.Task;
import io.memreason.reasoning.Trace;
import io.memreason.reasoning.TraceListener;
import io.memreason.training.LoraTargets;
import io.memreason.training.TrainingSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hot swap with the real engine on a tiny random model: two adapters trained by the real trainer, requests in
 * flight on the first while the second is swapped in, each finishing on the version it was submitted to.
 */
class LlmHotSwapTest {
  @TempDir
  Path dir;

  private static final RetrainingData DATA = new RetrainingData(List.of(new LabelledTrace("q", "Where was Ilva born?",
      List.of(new StepText(StepKind.MEMORY, "Ilva was born in Osk.")), "Osk")), List.of());

  @Test
  void requestsInFlightFinishOnTheirVersionWhileNewOnesGoToTheSwappedInOne() throws Exception {
    Path base = dir.resolve("base");
    RandomCheckpoint.write(base, ModelShape.TINY, 7, Dtype.F32);
    LoraRetrainer trainer = new LoraRetrainer(new TrainingSettings(TrainingSettings.Scope.LORA,
        new TrainingSettings.Lora(4, 8, 0f, LoraTargets.MLP), 1, 1, 1, 64, 1e-2f, 0f, 0f, 1f, 11, 2, 1, false),
        dir.resolve("work"));
    Path v1 = Files.createDirectories(dir.resolve("v1"));
    trainer.train(new ModelSource("base", base, Optional.empty()), DATA, v1);
    Path v2 = Files.createDirectories(dir.resolve("v2"));
    trainer.train(new ModelSource("v1", base, Optional.of(v1)), DATA, v2);
    MemreasonConfig.Engine engine = MemreasonConfig.defaults().with(Map.of("engine.workers", "1",
        "engine.max-total-tokens", "128", "engine.device", "cpu")).engine();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    LlmVersionLoader loader = new LlmVersionLoader(engine, meters);

    try (SwappableReasoner reasoner = new SwappableReasoner("v1", loader.load(new ModelSource("v1", base,
        Optional.of(v1))))) {
      CompletableFuture<Trace> first = ask(reasoner, "a");
      CompletableFuture<Trace> second = ask(reasoner, "b");
      reasoner.swapTo("v2", loader.load(new ModelSource("v2", base, Optional.of(v2))));
      CompletableFuture<Trace> third = ask(reasoner, "c");

      assertEquals("v1", first.get(1, TimeUnit.MINUTES).modelVersion());
      assertEquals("v1", second.get(1, TimeUnit.MINUTES).modelVersion());
      assertEquals("v2", third.get(1, TimeUnit.MINUTES).modelVersion());
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (reasoner.loadedVersions().size() > 1 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertEquals(List.of("v2"), reasoner.loadedVersions(), "v1 is closed once it owes no answer");
      assertTrue(meters.get("memreason.engine.batch.size").summary().count() > 0,
          "the engine meters registered last report the version that serves");
    }
  }

  private static CompletableFuture<Trace> ask(SwappableReasoner reasoner, String id) throws InterruptedException {
    CompletableFuture<Trace> trace = new CompletableFuture<>();
    boolean accepted = reasoner.submit(new ReasoningRequest(id, "Where was Ilva born?", Task.ATLAS, List.of(),
        new Decoding(0f, 1f, 0, 24, 1)), new TraceListener() {
          @Override
          public void onStep(Step step) {}

          @Override
          public void onFinished(Trace finished) {
            trace.complete(finished);
          }
        }, Duration.ofSeconds(10));
    assertTrue(accepted);
    return trace;
  }
}
