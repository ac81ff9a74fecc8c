package io.memreason.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import io.memreason.avro.Feedback;
import io.memreason.pipeline.serde.AvroSerdes;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attacks on the HTTP server's authentication, each refused: no token, a wrong token, a missing role, a spoofed
 * labeller, a cross-site form post, a token in the URL. Nothing is produced for a refused request.
 */
class WebAccessTest {
  private static final String QUESTION = "{\"text\": \"Is a tomato a fruit?\", \"task\": \"STRATEGYQA\"}";

  @TempDir
  Path dir;
  private Path tokensFile;
  private String ana;
  private String walt;
  private String asker;
  private String labeller;
  private MonitorFixture fixture;
  private PrometheusMeterRegistry registry;
  private WebServer server;
  private ApiClient api;

  @BeforeEach
  void start() {
    tokensFile = dir.resolve("tokens");
    ana = TokenFile.add(tokensFile, "ana", EnumSet.allOf(Role.class));
    walt = TokenFile.add(tokensFile, "walt", EnumSet.of(Role.WATCH));
    asker = TokenFile.add(tokensFile, "asker", EnumSet.of(Role.ASK));
    labeller = TokenFile.add(tokensFile, "lab", EnumSet.of(Role.LABEL));
    fixture = new MonitorFixture(Map.of("web.auth", "tokens", "web.tokens-file", tokensFile.toString()));
    fixture.answered("q1", "Is water wet?");
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    server = WebServer.start(fixture.config.web(), registry, () -> Health.of(KafkaStreams.State.RUNNING),
        fixture.monitor);
    api = new ApiClient(server.port());
  }

  @AfterEach
  void stop() {
    server.close();
    fixture.monitor.close();
  }

  private static String error(HttpResponse<String> r) {
    return JsonParser.parseString(r.body()).getAsJsonObject().get("error").getAsString();
  }

  private static String label(String labellerField) {
    return "{\"questionId\": \"q1\", \"verdict\": \"CORRECT\"" + (labellerField == null ? "" : ", \"labeller\": \""
        + labellerField + "\"") + "}";
  }

  @Test
  void aRequestWithoutATokenIs401AndProducesNothing() {
    for (HttpResponse<String> r : List.of(api.post("/api/questions", null, QUESTION), api.post("/api/feedback", null,
        label(null)), api.get("/api/answers/q1", null), api.get("/api/stream", null), api.get("/metrics", null),
        api.get("/api/session", null))) {
      assertEquals(401, r.statusCode(), r.uri() + " " + r.body());
      assertTrue(error(r).startsWith("sign in"), r.body());
      assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"));
      assertEquals("Bearer realm=\"memreason\"", r.headers().firstValue("WWW-Authenticate").orElse(""));
    }
    assertEquals(List.of(), fixture.producer.history());
  }

  @Test
  void aWrongTokenIs401() {
    String forged = "mr_" + "A".repeat(43);
    assertEquals(401, api.post("/api/questions", forged, QUESTION).statusCode());
    assertEquals(401, api.get("/api/stream", forged).statusCode());
    assertEquals(401, api.send("GET", "/api/answers/q1", null, "Cookie", WebAccess.COOKIE + "=" + forged).statusCode());
    // A token with a character changed, and a Basic login carrying a real token: neither passes.
    String altered = ana.substring(0, ana.length() - 1) + (ana.endsWith("A") ? "B" : "A");
    assertEquals(401, api.get("/api/answers/q1", altered).statusCode());
    HttpResponse<String> basic = api.send("GET", "/api/answers/q1", null, "Authorization", "Basic " + ana);
    assertEquals(401, basic.statusCode());
    assertEquals("the Authorization header must be 'Bearer <token>'", error(basic));
    assertEquals(List.of(), fixture.producer.history());
  }

  @Test
  void aTokenWithoutTheRoleIs403AndProducesNothing() {
    HttpResponse<String> ask = api.post("/api/questions", walt, QUESTION);
    assertEquals(403, ask.statusCode());
    assertEquals("the token 'walt' may not ask questions: it lacks the ask role (it has watch)", error(ask));
    assertEquals(403, api.post("/api/feedback", asker, label(null)).statusCode());
    HttpResponse<String> revise = api.post("/api/questions/q1/revisions", walt, "{\"stepIndex\": 0, \"text\": \"x\"}");
    assertEquals(403, revise.statusCode(), "a revision asks the model: the ask role");
    assertEquals("the token 'walt' may not ask questions: it lacks the ask role (it has watch)", error(revise));
    assertEquals(401, api.post("/api/questions/q1/revisions", null, "{\"stepIndex\": 0, \"text\": \"x\"}").statusCode());
    assertEquals(403, api.get("/api/stream", labeller).statusCode());
    assertEquals(403, api.get("/api/answers/q1", asker).statusCode());
    assertEquals(403, api.get("/metrics", asker).statusCode());
    assertEquals(List.of(), fixture.producer.history());

    assertEquals(202, api.post("/api/questions", asker, QUESTION).statusCode());
    assertEquals(200, api.post("/api/feedback", labeller, label(null)).statusCode());
    assertEquals(200, api.get("/api/answers/q1?timeoutMs=0", walt).statusCode());
    assertEquals(2, fixture.producer.history().size());
  }

  @Test
  void theLabellerIsTheTokensNameAndABodyNamingSomeoneElseIsRefused() {
    HttpResponse<String> spoofed = api.post("/api/feedback", labeller, label("ana"));
    assertEquals(400, spoofed.statusCode());
    assertTrue(error(spoofed).startsWith("labeller is 'ana', but this token labels as 'lab'"), spoofed.body());
    assertEquals(List.of(), fixture.producer.history());

    assertEquals(200, api.post("/api/feedback", labeller, label(null)).statusCode());
    assertEquals(200, api.post("/api/feedback", labeller, label("lab")).statusCode());
    AvroSerdes serdes = AvroSerdes.forConfig(fixture.config.kafka());
    for (var sent : fixture.producer.history()) {
      Feedback f = serdes.serde(Feedback.class).deserializer().deserialize(sent.topic(), sent.value());
      assertEquals("lab", f.getLabeller());
    }
  }

  @Test
  void healthStaysOpenAndMetricsNeedTheWatchRole() {
    assertEquals(200, api.get("/health", null).statusCode());
    assertEquals(200, api.get("/health/live", null).statusCode());
    assertEquals(200, api.get("/health/ready", null).statusCode());
    HttpResponse<String> metrics = api.get("/metrics", walt);
    assertEquals(200, metrics.statusCode());
    assertTrue(metrics.body().contains("memreason_web_auth_failures_total"), metrics.body());
  }

  @Test
  void signingInKeepsTheTokenInAnHttpOnlySameSiteStrictCookieThatAuthenticatesThePage() {
    HttpResponse<String> wrong = api.post("/api/session", null, "{\"token\": \"mr_wrong\"}");
    assertEquals(401, wrong.statusCode());
    assertTrue(wrong.headers().firstValue("Set-Cookie").isEmpty());

    HttpResponse<String> signedIn = api.post("/api/session", null, "{\"token\": \"" + walt + "\"}");
    assertEquals(200, signedIn.statusCode(), signedIn.body());
    assertEquals("{\"name\":\"walt\",\"roles\":[\"watch\"],\"auth\":\"tokens\"}", signedIn.body());
    String cookie = signedIn.headers().firstValue("Set-Cookie").orElseThrow();
    assertEquals(WebAccess.COOKIE + "=" + walt + "; Path=/; HttpOnly; SameSite=Strict", cookie, "no Secure over HTTP");
    String sent = WebAccess.COOKIE + "=" + walt;
    assertEquals(200, api.send("GET", "/api/session", null, "Cookie", sent).statusCode());
    assertEquals(200, api.send("GET", "/api/answers/q1?timeoutMs=0", null, "Cookie", sent).statusCode());
    assertEquals(403, api.send("POST", "/api/questions", QUESTION, "Cookie", sent).statusCode());

    HttpResponse<String> out = api.send("DELETE", "/api/session", null, "Cookie", sent);
    assertEquals(204, out.statusCode());
    assertTrue(out.headers().firstValue("Set-Cookie").orElseThrow().contains("Max-Age=0"));
  }

  /** A page on another site posting a form (or a script's fetch) at the API in a signed-in visitor's name. */
  @Test
  void aCrossSiteFormPostIsRefusedWhateverItCarries() {
    String cookie = WebAccess.COOKIE + "=" + ana;
    HttpResponse<String> form = api.send("POST", "/api/feedback", label(null), "Content-Type", "text/plain",
        "Cookie", cookie, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site");
    assertEquals(403, form.statusCode());
    assertTrue(error(form).startsWith("refused a request from another site"), form.body());
    HttpResponse<String> fetch = api.send("POST", "/api/questions", QUESTION, "Cookie", cookie,
        "Origin", "https://evil.example");
    assertEquals(403, fetch.statusCode());
    // Even a text/plain form from this very origin is no JSON request.
    HttpResponse<String> plain = api.send("POST", "/api/questions", QUESTION, "Content-Type", "text/plain", "Cookie",
        cookie, "Origin", "http://127.0.0.1:" + server.port(), "Sec-Fetch-Site", "same-origin");
    assertEquals(415, plain.statusCode());
    assertEquals(List.of(), fixture.producer.history());

    HttpResponse<String> own = api.send("POST", "/api/questions", QUESTION, "Cookie", cookie,
        "Origin", "http://127.0.0.1:" + server.port(), "Sec-Fetch-Site", "same-origin");
    assertEquals(202, own.statusCode(), own.body());
  }

  @Test
  void aTokenInTheUrlIsRefusedEvenWhenItIsValid() {
    for (String path : List.of("/api/stream?access_token=" + ana, "/api/answers/q1?token=" + ana,
        "/api/session?token=" + ana)) {
      HttpResponse<String> r = api.get(path, null);
      assertEquals(400, r.statusCode(), path);
      assertTrue(error(r).startsWith("a token is never taken from the URL"), r.body());
    }
    assertEquals(400, api.post("/api/questions?access_token=" + ana, null, QUESTION).statusCode());
    assertEquals(List.of(), fixture.producer.history());
  }

  @Test
  void failedAttemptsAreCountedByReasonNeverByToken() {
    api.get("/api/stream", null);
    api.get("/api/stream", "mr_" + "B".repeat(43));
    api.get("/api/stream", asker);
    api.get("/api/stream?token=" + ana, null);
    String metrics = api.get("/metrics", walt).body();
    assertTrue(metrics.contains("memreason_web_auth_failures_total{reason=\"no_token\"} 1.0"), metrics);
    assertTrue(metrics.contains("memreason_web_auth_failures_total{reason=\"unknown_token\"} 1.0"), metrics);
    assertTrue(metrics.contains("memreason_web_auth_failures_total{reason=\"missing_role\"} 1.0"), metrics);
    assertTrue(metrics.contains("memreason_web_auth_failures_total{reason=\"token_in_url\"} 1.0"), metrics);
    for (String secret : List.of(ana, walt, asker, labeller, "B".repeat(43))) {
      assertFalse(metrics.contains(secret), "a token in /metrics");
    }
    assertFalse(metrics.contains("walt") || metrics.contains("asker"), "no names in the failure metrics");
  }

  @Test
  void aTokenAddedOrRemovedWhileServingTakesEffectWithoutARestart() throws Exception {
    String late = TokenFile.add(tokensFile, "late", EnumSet.of(Role.WATCH));
    awaitStatus(late, 200);
    List<String> kept = Files.readAllLines(tokensFile).stream().filter(l -> !l.startsWith("walt ")).toList();
    Files.write(tokensFile, kept);
    awaitStatus(walt, 401);
    assertEquals(200, api.get("/api/answers/q1?timeoutMs=0", late).statusCode());
  }

  @Test
  void aBrokenTokensFileLetsNobodyInUntilItIsFixed() throws Exception {
    String good = Files.readString(tokensFile);
    Files.writeString(tokensFile, good + "oops\n");
    awaitStatus(ana, 401);
    Files.writeString(tokensFile, good);
    awaitStatus(ana, 200);
  }

  private void awaitStatus(String token, int status) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    int last;
    do {
      last = api.get("/api/answers/q1?timeoutMs=0", token).statusCode();
      if (last == status) {
        return;
      }
      Thread.sleep(100);
    } while (System.nanoTime() < deadline);
    assertEquals(status, last);
  }

  @Test
  void refusesToServeWithoutAuthenticationOnAnAddressOthersReachUnlessToldTo() throws IOException {
    MonitorFixture open = new MonitorFixture(Map.of("web.host", "0.0.0.0"));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> WebServer.start(open.config.web(),
        registry, () -> Health.of(KafkaStreams.State.RUNNING), open.monitor));
    assertTrue(e.getMessage().startsWith("refusing to serve without authentication (web.auth=none) on 0.0.0.0"));
    MonitorFixture allowed = new MonitorFixture(Map.of("web.host", "0.0.0.0", "web.allow-unauthenticated", "true"));
    try (WebServer s = WebServer.start(allowed.config.web(), registry, () -> Health.of(KafkaStreams.State.RUNNING),
        allowed.monitor)) {
      assertEquals(202, new ApiClient(s.port()).post("/api/questions", null, QUESTION).statusCode());
    }
    MonitorFixture noFile = new MonitorFixture(Map.of("web.auth", "tokens"));
    IllegalStateException missing = assertThrows(IllegalStateException.class, () -> WebServer.start(
        noFile.config.web(), registry, () -> Health.of(KafkaStreams.State.RUNNING), noFile.monitor));
    assertTrue(missing.getMessage().startsWith("web.auth=tokens needs web.tokens-file"), missing.getMessage());
  }

  @Test
  void metricsArePublicOnTheirOwnPortWhenOneIsSet() {
    MonitorFixture withPort = new MonitorFixture(Map.of("web.auth", "tokens", "web.tokens-file", tokensFile.toString(),
        "web.metrics-port", "0"));
    try (WebServer s = WebServer.start(withPort.config.web(), registry, () -> Health.of(KafkaStreams.State.RUNNING),
        withPort.monitor)) {
      ApiClient metricsPort = new ApiClient(s.metricsPort().orElseThrow());
      assertEquals(200, metricsPort.get("/metrics", null).statusCode());
      assertEquals(200, metricsPort.get("/health/ready", null).statusCode());
      assertEquals(404, metricsPort.get("/api/answers/q1", null).statusCode(), "only metrics and health there");
      assertEquals(401, new ApiClient(s.port()).get("/metrics", null).statusCode());
    }
  }
}
