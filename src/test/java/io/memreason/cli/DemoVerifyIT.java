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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code demo --verify} with the default model: a made-up memory step is caught by the atlas world's truth, the
 * pipeline revises it with the correct fact given, and the revision's answer, repaired, is printed live.
 */
class DemoVerifyIT {
  private static final Pattern SUMMARY = Pattern.compile(
      "\\[verify] memory steps checked: \\d+ supported, (\\d+) contradicted, \\d+ unknown · (\\d+) revisions · (\\d+) of"
          + " (\\d+) wrong answers revised are right now");

  @Test
  void catchesAMadeUpMemoryStepAndPrintsTheRepairedAnswerOfItsRevision() throws Exception {
    DemoCommand demo = new DemoCommand();
    new CommandLine(demo).parseArgs("--verify", "--questions", "4", "--interval-ms", "0", "--set", "web.port=0");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    MemreasonConfig c = MemreasonConfig.defaults();
    demo.run(new DemoCommand.Models(ReasonerFactory.versionLoader(c, registry), ReasonerFactory.configuredModel(c)),
        registry, new PrintStream(bytes, true, StandardCharsets.UTF_8), false);
    List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
    System.out.println(String.join("\n", lines));

    assertEquals(4, lines.stream().filter(l -> l.startsWith("[question] verify-")).count());
    assertEquals(4, lines.stream().filter(l -> l.startsWith("[answer] verify-")).count());
    List<String> caught = lines.stream().filter(l -> l.startsWith("[memory] verify-") && l.contains("✗ contradicted"
        + " by atlas-world: ") && l.contains(" → revised as ")).toList();
    assertTrue(!caught.isEmpty(), "a made-up memory step is caught");
    String revision = caught.get(0).substring(caught.get(0).lastIndexOf(' ') + 1);
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("[revision] " + revision + "  revises verify-")));
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("[memory] " + revision + " #0  ") && l.endsWith("(given)")),
        "the correct fact is the revision's given step");
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("[answer] " + revision + "  ")), "the revision answered live");
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("[repaired] verify-")), "a wrong answer repaired");

    Matcher summary = lines.stream().map(SUMMARY::matcher).filter(Matcher::matches).findFirst().orElseThrow();
    int contradicted = Integer.parseInt(summary.group(1));
    int revisions = Integer.parseInt(summary.group(2));
    assertTrue(revisions >= caught.size() && contradicted >= revisions, summary.group());
    assertTrue(Integer.parseInt(summary.group(3)) >= 1);
    assertEquals(lines.stream().filter(l -> l.startsWith("[repaired] ")).count(), Integer.parseInt(summary.group(3)));
    assertTrue(lines.get(lines.size() - 1).startsWith("4 of 4 questions answered in "));
    assertTrue(lines.stream().noneMatch(l -> l.contains("Exception")), "no exception printed");
  }
}
