package io.memreason.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.config.MemreasonConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code demo --learn} with the default model (built into the model cache the first time): the labels, the
 * retraining's promotion and the accuracy of both versions are printed as they happen.
 */
class DemoLearnIT {

  @Test
  void printsTheLabelsThePromotionAndTheAccuracyOfBothVersions() throws Exception {
    DemoCommand demo = new DemoCommand();
    new CommandLine(demo).parseArgs("--learn", "--interval-ms", "0", "--set", "web.port=0");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    MemreasonConfig c = MemreasonConfig.defaults();
    demo.run(new DemoCommand.Models(ReasonerFactory.versionLoader(c, registry), ReasonerFactory.configuredModel(c)),
        registry, new PrintStream(bytes, true, StandardCharsets.UTF_8), false);
    List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
    lines.stream().filter(l -> !l.startsWith("[memory]") && !l.startsWith("[reason]") && !l.startsWith("[step]"))
        .forEach(System.out::println);

    long questions = lines.stream().filter(l -> l.startsWith("[question] ")).count();
    assertEquals(questions, lines.stream().filter(l -> l.startsWith("[answer] ")).count());
    assertEquals(questions, lines.stream().filter(l -> l.startsWith("[label] ")).count(), "every answer labelled");
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("[model] v2 PROMOTED")), "the retraining's promotion");
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("[accuracy] v1 ")));
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("[accuracy] v2 ")));
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("[answer] again-") && l.contains("model v2")),
        "the questions asked again are answered by the new version");
    assertTrue(lines.get(lines.size() - 1).startsWith(questions + " of " + questions + " questions answered in "));
  }
}
