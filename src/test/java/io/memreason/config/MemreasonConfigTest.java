package io.memreason.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MemreasonConfigTest {

  @Test
  void bundledDefaultsAreComplete() {
    MemreasonConfig c = MemreasonConfig.defaults();
    assertEquals("memreason.questions", c.topics().questions());
    assertEquals("memreason", c.kafka().applicationId());
    assertEquals("exactly_once_v2", c.kafka().streamsProperties().get("processing.guarantee"));
    assertTrue(c.model().dir().isEmpty());
  }

  @Test
  void fileThenEnvironmentThenCommandLineEachWin(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("m.properties");
    Files.writeString(file, "engine.max-batch=32\nengine.workers=3\ntopics.answers=from-file\n");
    MemreasonConfig c = MemreasonConfig.load(Optional.of(file),
        Map.of("MEMREASON_ENGINE_WORKERS", "4", "MEMREASON_TOPICS_ANSWERS", "from-env"),
        Map.of("topics.answers", "from-cli"));
    assertEquals(32, c.engine().maxBatch());
    assertEquals(4, c.engine().workers());
    assertEquals("from-cli", c.topics().answers());
  }

  @Test
  void environmentReachesAnyKafkaProperty() {
    MemreasonConfig c = MemreasonConfig.load(Optional.empty(),
        Map.of("MEMREASON_KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "MEMREASON_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
            "MEMREASON_STREAMS_NUM_STREAM_THREADS", "2", "UNRELATED", "x"),
        Map.of());
    assertEquals("SASL_SSL", c.kafka().clientProperties().get("security.protocol"));
    assertEquals("SCRAM-SHA-512", c.kafka().clientProperties().get("sasl.mechanism"));
    assertEquals("2", c.kafka().streamsProperties().get("num.stream.threads"));
  }

  @Test
  void secretsAreMaskedInTheLoggableView() {
    Settings s = Settings.defaults().with(Map.of(
        "kafka.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required password=\"p4ss\";",
        "kafka.ssl.truststore.password", "hunter2"));
    String shown = s.redacted().toString();
    assertFalse(shown.contains("p4ss"));
    assertFalse(shown.contains("hunter2"));
    assertTrue(shown.contains("kafka.ssl.truststore.password=******"));
    assertTrue(shown.contains("engine.max-new-tokens=256"), "token counts are not secrets");
    assertTrue(Settings.isSecret("kafka.sasl.oauthbearer.token.endpoint.url"));
    assertTrue(Settings.isSecret("kafka.inference.sasl.jaas.config"), "a component's own login");
    assertFalse(Settings.isSecret("web.tls.keystore-password-file"), "where the password is, not the password");
    assertFalse(Settings.isSecret("web.tokens-file"));
  }

  @Test
  void aComponentsKafkaKeysGoToItsClientsOnly() {
    MemreasonConfig c = MemreasonConfig.defaults().with(Map.of("kafka.sasl.jaas.config", "shared",
        "kafka.inference.sasl.jaas.config", "inference's", "kafka.web.client.id", "page"));
    assertEquals("shared", c.kafka().clientProperties().get("sasl.jaas.config"));
    assertFalse(c.kafka().clientProperties().keySet().stream().anyMatch(k -> k.startsWith("inference.")
        || k.startsWith("web.")), "scoped keys are no client setting of everyone's");
    assertEquals("inference's", c.forComponent(MemreasonConfig.Component.INFERENCE).kafka().clientProperties()
        .get("sasl.jaas.config"));
    assertEquals("shared", c.forComponent(MemreasonConfig.Component.FEEDBACK).kafka().clientProperties()
        .get("sasl.jaas.config"));
    assertEquals("page", c.forComponent(MemreasonConfig.Component.WEB).kafka().clientProperties().get("client.id"));
    assertEquals("inference's", MemreasonConfig.load(java.util.Optional.empty(),
        Map.of("MEMREASON_KAFKA_INFERENCE_SASL_JAAS_CONFIG", "inference's"), Map.of())
        .forComponent(MemreasonConfig.Component.INFERENCE).kafka().clientProperties().get("sasl.jaas.config"));
  }

  @Test
  void malformedValuesNameTheKey() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> MemreasonConfig.load(Optional.empty(), Map.of(), Map.of("engine.max-batch", "many")));
    assertEquals("engine.max-batch must be an integer, not 'many'", e.getMessage());
    e = assertThrows(ConfigException.class,
        () -> MemreasonConfig.load(Optional.empty(), Map.of(), Map.of("engine.device", "tpu")));
    assertTrue(e.getMessage().startsWith("engine.device must be one of"));
  }

  @Test
  void theDrainMustLeaveTheRestOfAShutdownItsTime() {
    assertTrue(ShutdownBudget.MAX_DRAIN.plus(ShutdownBudget.FEEDBACK_CLOSE).plus(ShutdownBudget.PIPELINE_CLOSE)
        .plus(ShutdownBudget.OTHERS).compareTo(ShutdownBudget.GRACE) <= 0, "the parts fit in the grace");
    long fits = ShutdownBudget.MAX_DRAIN.toMillis();
    assertEquals(fits, MemreasonConfig.load(Optional.empty(), Map.of(),
        Map.of("pipeline.drain-timeout-ms", Long.toString(fits))).pipeline().drainTimeoutMs());
    assertTrue(MemreasonConfig.defaults().pipeline().drainTimeoutMs() <= fits);
    ConfigException e = assertThrows(ConfigException.class, () -> MemreasonConfig.load(Optional.empty(), Map.of(),
        Map.of("pipeline.drain-timeout-ms", Long.toString(fits + 1))));
    assertEquals("pipeline.drain-timeout-ms=" + (fits + 1) + " does not fit in a shutdown: the JVM waits 60 s after"
        + " SIGTERM and closing the rest takes up to 30 s, so at most " + fits, e.getMessage());
  }
}
