package io.memreason.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each quota exceeded by one token: the request past it is a 429 with Retry-After (413 for a body), produces nothing,
 * and another token keeps working.
 */
class QuotaTest {
  private static final String QUESTION = "{\"text\": \"Is a tomato a fruit?\", \"task\": \"STRATEGYQA\"}";
  private static final String LABEL = "{\"questionId\": \"q1\", \"verdict\": \"CORRECT\"}";

  @TempDir
  Path dir;
  private String ana;
  private String bob;
  private String carl;
  private MonitorFixture fixture;
  private WebServer server;
  private ApiClient api;
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  private void start(Map<String, String> limits) {
    Path tokens = dir.resolve("tokens");
    ana = TokenFile.add(tokens, "ana", EnumSet.allOf(Role.class));
    bob = TokenFile.add(tokens, "bob", EnumSet.allOf(Role.class));
    carl = TokenFile.add(tokens, "carl", EnumSet.allOf(Role.class));
    Map<String, String> settings = new java.util.HashMap<>(limits);
    settings.put("web.auth", "tokens");
    settings.put("web.tokens-file", tokens.toString());
    fixture = new MonitorFixture(settings);
    fixture.answered("q1", "Is water wet?");
    server = WebServer.start(fixture.config.web(), registry, () -> Health.of(KafkaStreams.State.RUNNING),
        fixture.monitor);
    api = new ApiClient(server.port());
  }

  @AfterEach
  void stop() {
    server.close();
    fixture.monitor.close();
  }

  private static void assertTooMany(HttpResponse<String> r, String message) {
    assertEquals(429, r.statusCode(), r.body());
    assertTrue(JsonParser.parseString(r.body()).getAsJsonObject().get("error").getAsString().contains(message), r.body());
    assertTrue(Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow()) >= 1);
  }

  private String idOf(HttpResponse<String> r) {
    assertEquals(202, r.statusCode(), r.body());
    return JsonParser.parseString(r.body()).getAsJsonObject().get("id").getAsString();
  }

  @Test
  void askingPastTheRatePerMinuteIs429ForThatTokenOnly() {
    start(Map.of("web.ask-per-minute", "3"));
    for (int i = 0; i < 3; i++) {
      idOf(api.post("/api/questions", ana, QUESTION));
    }
    HttpResponse<String> refused = api.post("/api/questions", ana, QUESTION);
    assertTooMany(refused, "ana asked 3 questions in the last minute, the most allowed (web.ask-per-minute)");
    assertTrue(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow()) >= 15,
        "one question in 20 s comes back");
    assertEquals(3, fixture.producer.history().size(), "nothing produced for the refused question");
    idOf(api.post("/api/questions", bob, QUESTION));
    assertEquals(4, fixture.producer.history().size());
    assertTrue(registry.scrape().contains("memreason_web_quota_refusals_total{quota=\"ask_per_minute\"} 1.0"));
  }

  @Test
  void askingPastTheOutstandingQuestionsIs429UntilOneIsAnswered() {
    start(Map.of("web.ask-outstanding", "2"));
    String first = idOf(api.post("/api/questions", ana, QUESTION));
    idOf(api.post("/api/questions", ana, QUESTION));
    assertTooMany(api.post("/api/questions", ana, QUESTION), "ana has 2 questions not answered yet");
    assertEquals(2, fixture.producer.history().size());
    idOf(api.post("/api/questions", bob, QUESTION));

    fixture.answered(first, "Is a tomato a fruit?");
    idOf(api.post("/api/questions", ana, QUESTION));
    assertTooMany(api.post("/api/questions", ana, QUESTION), "not answered yet");
    assertEquals(4, fixture.producer.history().size());
  }

  @Test
  void aRevisionAsksTheModelAndCountsAgainstTheQuestionsQuota() {
    start(Map.of("web.ask-per-minute", "2"));
    String revise = "{\"stepIndex\": 0, \"text\": \"Water is wet.\"}";
    idOf(api.post("/api/questions", ana, QUESTION));
    idOf(api.post("/api/questions/q1/revisions", ana, revise));
    assertTooMany(api.post("/api/questions/q1/revisions", ana, revise), "ana asked 2 questions in the last minute");
    assertEquals(2, fixture.producer.history().size());
    idOf(api.post("/api/questions/q1/revisions", bob, revise));
  }

  @Test
  void labellingPastTheRatePerMinuteIs429ForThatTokenOnly() {
    start(Map.of("web.label-per-minute", "2"));
    assertEquals(200, api.post("/api/feedback", ana, LABEL).statusCode());
    assertEquals(200, api.post("/api/feedback", ana, LABEL).statusCode());
    assertTooMany(api.post("/api/feedback", ana, LABEL), "ana gave 2 labels in the last minute");
    assertEquals(2, fixture.producer.history().size());
    assertEquals(200, api.post("/api/feedback", bob, LABEL).statusCode());
    assertEquals(3, fixture.producer.history().size());
  }

  @Test
  void aBodyOverTheLimitIs413WhetherItsLengthIsDeclaredOrNot() throws Exception {
    start(Map.of("web.max-body-bytes", "1024"));
    String big = "{\"text\": \"" + "x".repeat(4000) + "\"}";
    HttpResponse<String> declared = api.post("/api/questions", ana, big);
    assertEquals(413, declared.statusCode(), declared.body());
    assertEquals("the body is larger than 1024 bytes (web.max-body-bytes)",
        JsonParser.parseString(declared.body()).getAsJsonObject().get("error").getAsString());
    // Chunked: no Content-Length to refuse it by; the server stops reading at the limit. The excess is kept small
    // enough for the socket buffers: a client still writing when the server closes may get a reset instead of the 413.
    HttpResponse<String> chunked = api.http.send(HttpRequest.newBuilder(URI.create(api.base + "/api/questions"))
        .header("Content-Type", "application/json").header("Authorization", "Bearer " + ana)
        .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofString(big + " ".repeat(1 << 14))))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(413, chunked.statusCode(), chunked.body());
    assertEquals(List.of(), fixture.producer.history());
    idOf(api.post("/api/questions", bob, QUESTION));
  }

  @Test
  void streamsPastTheLimitPerTokenOrInAllAre429AndAClosedStreamFreesItsPlace() throws Exception {
    start(Map.of("web.streams-per-token", "2", "web.max-streams", "3"));
    List<HttpResponse<InputStream>> open = new ArrayList<>();
    open.add(stream(ana));
    open.add(stream(ana));
    HttpResponse<InputStream> third = stream(ana);
    assertEquals(429, third.statusCode());
    assertTrue(new String(third.body().readAllBytes()).contains("ana has 2 live streams open"));
    open.add(stream(bob));
    HttpResponse<InputStream> full = stream(carl);
    assertEquals(429, full.statusCode(), "the server's limit");
    assertTrue(new String(full.body().readAllBytes()).contains("this server has 3 live streams open"));
    for (HttpResponse<InputStream> r : open) {
      assertEquals(200, r.statusCode());
      assertTrue(new String(r.body().readNBytes(12)).startsWith("event: trace"), "the replay arrives");
    }
    assertEquals(200, api.get("/api/answers/q1?timeoutMs=0", carl).statusCode(), "other requests are not held up");

    open.get(0).body().close();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    HttpResponse<InputStream> again;
    do {
      fixture.live.publishFigures(); // a write to the closed stream is what tells the server it is gone
      Thread.sleep(100);
      again = stream(carl);
    } while (again.statusCode() == 429 && System.nanoTime() < deadline);
    assertEquals(200, again.statusCode(), "the closed stream's place went to carl");
    again.body().close();
    for (HttpResponse<InputStream> r : open) {
      r.body().close();
    }
  }

  private HttpResponse<InputStream> stream(String token) throws Exception {
    return api.http.send(HttpRequest.newBuilder(URI.create(api.base + "/api/stream"))
        .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream").build(),
        HttpResponse.BodyHandlers.ofInputStream());
  }
}
