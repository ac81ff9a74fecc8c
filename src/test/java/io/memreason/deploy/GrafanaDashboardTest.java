package io.memreason.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.memreason.feedback.FeedbackMetricsSample;
import io.memreason.pipeline.ServingMetricsSample;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboard queries only what a serving process exports, named as Prometheus sees it (Micrometer's
 * naming: dots to underscores, _total, _seconds_bucket...): the names come from a real PrometheusMeterRegistry
 * scrape after the pipeline's meters were registered and used.
 */
class GrafanaDashboardTest {
  static final String DASHBOARD = "docker/grafana/dashboards/memreason.json";
  /** Labels Prometheus adds to every series it scrapes. */
  private static final Set<String> TARGET_LABELS = Set.of("instance", "job");
  private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s.*");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"");

  /** Every exported series name and the labels it carries. */
  private static final Map<String, Set<String>> EXPORTED = new HashMap<>();

  @BeforeAll
  static void scrapeAServingProcess(@TempDir Path dir) throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    FeedbackMetricsSample.register(registry);
    for (String line : ServingMetricsSample.scrape(registry, dir).split("\n")) {
      Matcher m = SAMPLE.matcher(line);
      if (line.startsWith("#") || !m.matches()) {
        continue;
      }
      Set<String> labels = EXPORTED.computeIfAbsent(m.group(1), k -> new TreeSet<>());
      if (m.group(2) != null) {
        Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) {
          labels.add(l.group(1));
        }
      }
    }
  }

  private static List<JsonObject> panels() {
    List<JsonObject> out = new ArrayList<>();
    Repository.json(DASHBOARD).getAsJsonArray("panels").forEach(p -> out.add(p.getAsJsonObject()));
    return out;
  }

  private static List<String> expressions() {
    List<String> out = new ArrayList<>();
    for (JsonObject p : panels()) {
      p.getAsJsonArray("targets").forEach(t -> out.add(t.getAsJsonObject().get("expr").getAsString()));
    }
    return out;
  }

  @Test
  void theScrapeHasThePipelinesMetricsUnderTheirPrometheusNames() {
    for (String name : List.of("memreason_questions_total", "memreason_steps_total", "memreason_pending_questions",
        "memreason_answer_latency_seconds_bucket", "memreason_dead_letters_total")) {
      assertTrue(EXPORTED.containsKey(name), name + " missing from " + new TreeSet<>(EXPORTED.keySet()));
    }
  }

  @Test
  void queriesOnlyMetricsAServingProcessExports() {
    List<String> unknown = new ArrayList<>();
    for (String expr : expressions()) {
      PromQl q = PromQl.parse(expr);
      assertFalse(q.metrics().isEmpty(), "no metric found in " + expr);
      q.metrics().stream().filter(m -> !EXPORTED.containsKey(m)).forEach(m -> unknown.add(m + " in " + expr));
    }
    assertEquals(List.of(), unknown);
  }

  @Test
  void groupsAndFiltersOnlyByLabelsTheQueriedMetricsCarry() {
    for (String expr : expressions()) {
      PromQl q = PromQl.parse(expr);
      Set<String> available = new TreeSet<>(TARGET_LABELS);
      q.metrics().forEach(m -> available.addAll(EXPORTED.getOrDefault(m, Set.of())));
      assertTrue(available.containsAll(q.groupingLabels()), expr + " groups by labels outside " + available);
      q.matcherLabels().forEach((metric, labels) -> {
        Set<String> own = new TreeSet<>(TARGET_LABELS);
        own.addAll(EXPORTED.getOrDefault(metric, Set.of()));
        assertTrue(own.containsAll(labels), expr + ": " + metric + " has only the labels " + own);
      });
    }
  }

  @Test
  void everyPanelQueriesTheDatasourceChosenInItsVariable() {
    JsonObject variable = Repository.json(DASHBOARD).getAsJsonObject("templating").getAsJsonArray("list")
        .get(0).getAsJsonObject();
    assertEquals("datasource", variable.get("type").getAsString());
    assertEquals("prometheus", variable.get("query").getAsString());
    String uid = "${" + variable.get("name").getAsString() + "}";
    for (JsonObject p : panels()) {
      assertEquals(uid, p.getAsJsonObject("datasource").get("uid").getAsString(), p.get("title").getAsString());
      for (JsonElement t : p.getAsJsonArray("targets")) {
        assertEquals(uid, t.getAsJsonObject().getAsJsonObject("datasource").get("uid").getAsString());
      }
    }
  }

  @Test
  void showsThroughputLatencyStepsBatchSizePendingAndAccuracyPerModelVersion() {
    List<String> all = expressions();
    for (String metric : List.of("memreason_questions_total", "memreason_answer_latency_seconds_bucket",
        "memreason_steps_total", "memreason_engine_batch_size_sum", "memreason_pending_questions",
        "memreason_feedback_accuracy")) {
      assertTrue(all.stream().anyMatch(e -> PromQl.parse(e).metrics().contains(metric)), "no panel shows " + metric);
    }
    assertTrue(Repository.json(DASHBOARD).get("description").getAsString().contains("memreason_feedback_accuracy{model_version}"));
  }
}
