package io.memreason.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.pipeline.PipelineFixture;
import io.memreason.reasoning.Reasoner;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The demo, on its own embedded broker, with the integration tests' model. */
class DemoIT {

  @Test
  void printsEveryQuestionWithItsStepsLiveAndItsAnswer() throws Exception {
    DemoCommand demo = new DemoCommand();
    new CommandLine(demo).parseArgs("--questions", "4", "--interval-ms", "0", "--set", "web.port=0");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (Reasoner reasoner = PipelineFixture.reasoner()) {
      demo.run(reasoner, registry, new PrintStream(bytes, true, StandardCharsets.UTF_8), false);
    }
    List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
    System.out.println(String.join("\n", lines));

    assertEquals(4, lines.stream().filter(l -> l.startsWith("[question] ")).count());
    assertEquals(4, lines.stream().filter(l -> l.startsWith("[answer] ")).count());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("[memory] demo-")));
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("[reason] demo-")));
    assertTrue(lines.get(lines.size() - 1).startsWith("4 of 4 questions answered in "));
    assertTrue(registry.scrape().contains("memreason_questions_total{outcome=\"ok\"} 4.0"));
  }
}
