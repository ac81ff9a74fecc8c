package io.memreason.web;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.kafka.LogCapture;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The logging configuration drops every event that carries a token or a sign-in cookie, at any level. */
class SecretLogLinesTest {

  @Test
  void headerDumpsWithATokenOrTheCookieNeverBecomeLogLines() {
    String token = "mr_" + UUID.randomUUID().toString().replace("-", "") + "abcdefghijk";
    try (LogCapture logs = new LogCapture()) {
      var jetty = LoggerFactory.getLogger("org.eclipse.jetty.http.HttpParser");
      jetty.debug("HEADER:IN_VALUE --> FIELD(Authorization: Bearer {})", token);
      jetty.debug("HEADER:IN_VALUE --> FIELD(Cookie: " + WebAccess.COOKIE + "={})", token);
      jetty.debug("raw request\r\nGET / HTTP/1.1\r\nAuthorization: Bearer x\r\n");
      LoggerFactory.getLogger(SecretLogLinesTest.class).error("leaked {}", token);
      jetty.debug("HEADER:IN_VALUE --> FIELD(Accept: text/event-stream)");
      List<String> lines = logs.lines();
      assertFalse(lines.stream().anyMatch(l -> l.contains(token) || l.contains("Authorization")), lines.toString());
      assertTrue(lines.stream().anyMatch(l -> l.contains("Accept: text/event-stream")), "other debug lines stay");
    }
    assertFalse(LoggerFactory.getLogger("org.eclipse.jetty.http.HttpParser").isDebugEnabled(),
        "closing the capture restores the levels");
  }
}
