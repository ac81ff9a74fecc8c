package io.memreason.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.config.MemreasonConfig;
import io.memreason.hub.FakeHub;
import io.memreason.pipeline.PipelineFixture;
import io.memreason.reasoning.Decoding;
import io.memreason.reasoning.Reasoner;
import io.memreason.reasoning.ReasoningRequest;
import io.memreason.reasoning.Step;
import io.memreason.reasoning.Task;
import io.memreason.reasoning.Trace;
import io.memreason.reasoning.TraceListener;
import io.memreason.registry.ModelSource;
import io.memreason.training.DefaultModel;
import io.memreason.training.atlas.AtlasQuestion;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * memreason's default model published on a fake Hub (127.0.0.1) and configured as {@code model.dir=hf:…}: the
 * serving commands' factory fetches it into the Hub cache once and the real engine answers atlas questions with the
 * very traces the model's own folder gives.
 */
class HubModelIT {
  @TempDir
  Path home;

  @Test
  void aModelOnTheHubAnswersAsItsFolderDoes() throws Exception {
    Path folder = PipelineFixture.defaultModel();
    List<AtlasQuestion> questions = DefaultModel.defaultRecipe().dataset().test().subList(0, 8);
    try (FakeHub hub = FakeHub.start()) {
      String commit = hub.publishFolder("memreason/atlas-default", folder, Map.of("pytorch_model.bin", new byte[256]));
      MemreasonConfig c = MemreasonConfig.defaults().with(PipelineFixture.DEFAULT_MODEL_ENGINE).with(Map.of(
          "model.dir", "hf:memreason/atlas-default", "hub.endpoint", hub.endpoint().toString(),
          "hub.home", home.toString()));

      ModelSource source = ReasonerFactory.configuredModel(c);
      assertEquals(home.resolve("hub/models--memreason--atlas-default/snapshots").resolve(commit), source.baseModel());
      hub.clearRequests();
      List<List<String>> fromHub;
      try (Reasoner reasoner = ReasonerFactory.create(c, new SimpleMeterRegistry())) {
        fromHub = answers(reasoner, questions);
      }
      assertEquals(1, hub.requests().size(), "served from the cache after one revision request: " + hub.requests());
      List<List<String>> fromFolder;
      try (Reasoner reasoner = PipelineFixture.reasoner()) {
        fromFolder = answers(reasoner, questions);
      }

      assertEquals(fromFolder, fromHub);
      long right = 0;
      for (int i = 0; i < questions.size(); i++) {
        List<String> trace = fromHub.get(i);
        assertTrue(trace.size() >= 2, "memory steps and an answer: " + trace);
        right += trace.get(trace.size() - 1).equals("label " + questions.get(i).answer()) ? 1 : 0;
      }
      assertTrue(right >= questions.size() / 2, right + " of " + questions.size() + " answered right: " + fromHub);
    }
  }

  /** Each question's trace as text: its steps (kind and text), then its label. */
  private static List<List<String>> answers(Reasoner reasoner, List<AtlasQuestion> questions) throws Exception {
    List<CompletableFuture<Trace>> traces = new ArrayList<>();
    for (AtlasQuestion q : questions) {
      CompletableFuture<Trace> trace = new CompletableFuture<>();
      ReasoningRequest request = new ReasoningRequest(q.id(), q.question(), Task.ATLAS, List.of(),
          new Decoding(0f, 1f, 0, 128, 0));
      assertTrue(reasoner.submit(request, new TraceListener() {
        @Override
        public void onStep(Step step) {}

        @Override
        public void onFinished(Trace finished) {
          trace.complete(finished);
        }
      }, Duration.ofMinutes(1)));
      traces.add(trace);
    }
    List<List<String>> out = new ArrayList<>();
    for (CompletableFuture<Trace> t : traces) {
      Trace trace = t.get(2, TimeUnit.MINUTES);
      List<String> text = new ArrayList<>();
      trace.steps().forEach(s -> text.add(s.kind() + " " + s.text()));
      text.add("label " + trace.label().orElse("none"));
      out.add(text);
    }
    return out;
  }
}
