package io.memreason.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WebServerTest {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicReference<KafkaStreams.State> state = new AtomicReference<>(KafkaStreams.State.REBALANCING);
  private final HttpClient http = HttpClient.newHttpClient();
  private final MonitorFixture fixture = new MonitorFixture();
  private WebServer server;

  @BeforeEach
  void start() {
    server = WebServer.start(fixture.config.web(), registry, () -> Health.of(state.get()),
        fixture.monitor);
  }

  @AfterEach
  void stop() {
    server.close();
    fixture.monitor.close();
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesTheRegistryInPrometheusTextFormat() throws Exception {
    registry.counter("memreason.questions", "outcome", "ok").increment(3);
    HttpResponse<String> r = get("/metrics");
    assertEquals(200, r.statusCode());
    assertTrue(r.body().contains("memreason_questions_total{outcome=\"ok\"} 3.0"), r.body());
    assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/plain"));
  }

  @Test
  void isLiveButNotReadyWhileTheStreamsClientRebalances() throws Exception {
    assertEquals(200, get("/health/live").statusCode());
    assertEquals(503, get("/health/ready").statusCode());
    HttpResponse<String> h = get("/health");
    assertEquals(200, h.statusCode());
    assertEquals("{\"status\":\"STARTING\",\"ready\":false,\"live\":true,\"state\":\"REBALANCING\"}", h.body());
  }

  @Test
  void isReadyWhileRunning() throws Exception {
    state.set(KafkaStreams.State.RUNNING);
    assertEquals(200, get("/health/ready").statusCode());
    assertTrue(get("/health").body().contains("\"status\":\"UP\""));
  }

  @Test
  void isNeitherLiveNorReadyOnceTheClientFailed() throws Exception {
    state.set(KafkaStreams.State.ERROR);
    assertEquals(503, get("/health/live").statusCode());
    assertEquals(503, get("/health/ready").statusCode());
    HttpResponse<String> h = get("/health");
    assertEquals(503, h.statusCode());
    assertTrue(h.body().contains("\"status\":\"DOWN\""));
  }
}
