package io.memreason.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.pipeline.PipelineFixture;
import io.memreason.registry.ModelSource;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The demo, on its own embedded broker, with the default model asked its atlas questions. */
class DemoIT {

  @Test
  void printsEveryQuestionWithItsStepsLiveAndItsAnswer() throws Exception {
    DemoCommand demo = new DemoCommand();
    new CommandLine(demo).parseArgs("--questions", "4", "--interval-ms", "0", "--set", "web.port=0");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    DemoCommand.Models models = new DemoCommand.Models(source -> PipelineFixture.reasoner(),
        new ModelSource("default-model", PipelineFixture.defaultModel(), Optional.empty()));
    demo.run(models, registry, new PrintStream(bytes, true, StandardCharsets.UTF_8), false);
    List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
    System.out.println(String.join("\n", lines));

    assertEquals(1, lines.stream().filter(l -> l.startsWith("no sign-in: ")).count(), "the demo says it has no sign-in");
    assertTrue(lines.get(0).contains("live page on http://127.0.0.1:"), "on this machine only: " + lines.get(0));
    assertEquals(4, lines.stream().filter(l -> l.startsWith("[question] ")).count());
    assertEquals(4, lines.stream().filter(l -> l.startsWith("[answer] ")).count());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("[memory] demo-")));
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("[reason] demo-")));
    assertTrue(lines.get(lines.size() - 1).startsWith("4 of 4 questions answered in "));
    assertTrue(registry.scrape().contains("memreason_questions_total{outcome=\"ok\"} 4.0"));
  }
}
