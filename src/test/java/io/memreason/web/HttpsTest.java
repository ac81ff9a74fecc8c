package io.memreason.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.SSLHandshakeException;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS from a self-signed PKCS12 keystore made at test time: clients get through only when they trust it. */
class HttpsTest {
  private static final String PASSWORD = "keystore-pass-" + System.nanoTime();

  @TempDir
  Path dir;
  private final TestCertificate certificate = new TestCertificate();
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  private MonitorFixture fixture(Map<String, String> more) throws IOException {
    Path keystore = certificate.writeKeystore(dir.resolve("server.p12"), PASSWORD);
    Path password = Files.writeString(dir.resolve("keystore-password"), PASSWORD + "\n");
    if (!Files.exists(dir.resolve("tokens"))) {
      TokenFile.add(dir.resolve("tokens"), "someone", EnumSet.of(Role.WATCH));
    }
    Map<String, String> settings = new HashMap<>(Map.of("web.auth", "tokens",
        "web.tokens-file", dir.resolve("tokens").toString(), "web.tls.keystore", keystore.toString(),
        "web.tls.keystore-password-file", password.toString()));
    settings.putAll(more);
    return new MonitorFixture(settings);
  }

  private WebServer start(MonitorFixture fixture) {
    return WebServer.start(fixture.config.web(), registry, () -> Health.of(KafkaStreams.State.RUNNING), fixture.monitor);
  }

  @Test
  void servesHttpsToAClientThatTrustsTheCertificateOnly() throws Exception {
    String token = TokenFile.add(dir.resolve("tokens"), "ana", EnumSet.allOf(Role.class));
    MonitorFixture fixture = fixture(Map.of());
    fixture.answered("q1", "Is water wet?");
    try (WebServer server = start(fixture)) {
      URI health = URI.create("https://127.0.0.1:" + server.port() + "/health/live");
      assertThrows(SSLHandshakeException.class, () -> HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString()), "the JDK's own trust store");
      HttpClient otherTrust = HttpClient.newBuilder().sslContext(new TestCertificate().trustingIt()).build();
      assertThrows(SSLHandshakeException.class, () -> otherTrust.send(HttpRequest.newBuilder(health).build(),
          HttpResponse.BodyHandlers.ofString()), "trusting another self-signed certificate");

      HttpClient trusting = HttpClient.newBuilder().sslContext(certificate.trustingIt()).build();
      ApiClient api = new ApiClient(trusting, "https://127.0.0.1:" + server.port());
      assertEquals(200, api.get("/health/live", null).statusCode());
      assertEquals(401, api.get("/api/answers/q1", null).statusCode());
      HttpResponse<String> answer = api.get("/api/answers/q1?timeoutMs=0", token);
      assertEquals(200, answer.statusCode());
      assertTrue(answer.headers().firstValue("Strict-Transport-Security").isPresent());
      HttpResponse<String> signedIn = api.post("/api/session", null, "{\"token\": \"" + token + "\"}");
      assertTrue(signedIn.headers().firstValue("Set-Cookie").orElseThrow()
          .endsWith("; HttpOnly; SameSite=Strict; Secure"), "a Secure cookie under TLS");

      // No plain HTTP on the port: a plain request gets no answer from the application.
      HttpResponse<String> plain = null;
      try {
        plain = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
            + "/api/answers/q1?timeoutMs=0")).header("Authorization", "Bearer " + token).build(),
            HttpResponse.BodyHandlers.ofString());
      } catch (IOException refused) {
        // the TLS connector drops it
      }
      assertTrue(plain == null || plain.statusCode() == 400, "plain HTTP is not served");
      assertFalse(plain != null && plain.body().contains("Is water wet?"));
    }
  }

  @Test
  void theRedirectPortOnlyRedirectsToHttps() throws Exception {
    try (WebServer server = start(fixture(Map.of("web.tls.redirect-port", "0")))) {
      int redirect = server.redirectPort().orElseThrow();
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + redirect + "/api/answers/q1?timeoutMs=5")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(308, r.statusCode());
      assertEquals("https://127.0.0.1:" + server.port() + "/api/answers/q1?timeoutMs=5",
          r.headers().firstValue("Location").orElseThrow());
      HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
          "http://127.0.0.1:" + redirect + "/health/live")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(308, health.statusCode(), "nothing is answered in plain HTTP");
    }
  }

  @Test
  void aWrongOrMissingPasswordStopsTheStartWithoutShowingIt() throws Exception {
    MonitorFixture wrong = fixture(Map.of());
    Files.writeString(dir.resolve("keystore-password"), "not-" + PASSWORD);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> start(wrong));
    assertTrue(e.getMessage().startsWith("cannot open the keystore "), e.getMessage());
    assertFalse(e.getMessage().contains(PASSWORD), "the password is not in the message");

    MonitorFixture missing = fixture(Map.of("web.tls.keystore-password-file", "",
        "web.tls.keystore-password-env", "MEMREASON_TEST_UNSET_PASSWORD_VARIABLE"));
    IllegalStateException unset = assertThrows(IllegalStateException.class, () -> start(missing));
    assertTrue(unset.getMessage().contains("MEMREASON_TEST_UNSET_PASSWORD_VARIABLE"), unset.getMessage());
  }
}
