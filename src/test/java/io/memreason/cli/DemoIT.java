package io.memreason.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.pipeline.PipelineFixture;
import io.memreason.registry.ModelSource;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The demo, on its own embedded broker, with the default model asked its atlas questions. */
class DemoIT {
  private static final Pattern WARNING_OR_ERROR = Pattern.compile("^\\S+ (WARN|ERROR) ");
  private static final Pattern EXCEPTION_NAME = Pattern.compile("[A-Za-z]+(Exception|Error)\\b");

  /**
   * What a user sees from {@code bin/memreason demo}: the jar and its libraries in a JVM of their own with memreason's
   * logging configuration, stdout and stderr together. Nothing but the traces and memreason's own INFO lines: no
   * warning, no error, no exception, on a fresh broker whose topics and internal topics are all new.
   */
  @Test
  void aDemoRunPrintsNoWarningNoErrorAndNoException() throws Exception {
    PipelineFixture.defaultModel(); // built here if needed, not by the demo
    Path jar = Path.of("target", "memreason.jar");
    assertTrue(Files.exists(jar), "mvn package builds " + jar + " before the integration tests");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process demo = new ProcessBuilder(java, "-Xmx2g", "-cp", jar + File.pathSeparator + Path.of("target", "lib", "*"),
        "io.memreason.cli.Main", "demo", "--questions", "3", "--interval-ms", "0", "--set", "web.port=0")
        .redirectErrorStream(true).start();
    List<String> lines;
    try (var output = demo.inputReader(StandardCharsets.UTF_8)) {
      lines = output.lines().toList();
    }
    assertTrue(demo.waitFor(3, TimeUnit.MINUTES), "the demo ends");
    System.out.println(String.join("\n", lines));
    assertEquals(0, demo.exitValue());
    assertEquals(3, lines.stream().filter(l -> l.startsWith("[answer] ")).count(), "the demo answered its questions");
    assertEquals(List.of(), lines.stream().filter(l -> WARNING_OR_ERROR.matcher(l).find()).toList());
    assertEquals(List.of(), lines.stream().filter(l -> EXCEPTION_NAME.matcher(l).find()).toList());
  }

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
