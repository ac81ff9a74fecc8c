package io.memreason.pipeline.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.memreason.avro.Answer;
import io.memreason.avro.Question;
import io.memreason.avro.Task;
import io.memreason.config.MemreasonConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** serde.format=registry against an in-process fake of the registry's v2 API (the calls the serdes make). */
class RegistrySerdeTest {
  private static final Instant T0 = Instant.ofEpochMilli(1_700_000_000_000L);
  private static final Schema QUESTION_V1 = new Schema.Parser().parse("""
      {"type": "record", "name": "Question", "namespace": "io.memreason.avro", "fields": [
        {"name": "id", "type": "string"},
        {"name": "text", "type": "string"},
        {"name": "submittedAt", "type": {"type": "long", "logicalType": "timestamp-millis"}}]}""");

  private final FakeRegistry registry = new FakeRegistry();
  private MemreasonConfig config;

  @BeforeEach
  void start() throws IOException {
    registry.start();
    config = MemreasonConfig.defaults().with(Map.of("serde.format", "registry", "serde.registry.url", registry.url(),
        "apicurio.registry.retry-count", "1"));
  }

  @AfterEach
  void stop() {
    registry.stop();
  }

  private static Question question(String id) {
    return Question.newBuilder().setId(id).setText("Is it raining?").setTask(Task.STRATEGYQA).setSubmittedAt(T0).build();
  }

  @Test
  void registersTheSchemaUnderItsNamespaceAndNameAndRoundTrips() {
    Serde<Question> serde = AvroSerdes.forConfig(config.kafka()).serde(Question.class);
    byte[] bytes = serde.serializer().serialize("questions", question("q1"));
    assertEquals(0, bytes[0], "magic byte, then the schema's global id in the value");
    assertEquals(question("q1"), serde.deserializer().deserialize("questions", bytes));
    assertEquals(List.of("io.memreason.avro/Question"), registry.registeredArtifacts);
  }

  @Test
  void aLengthClaimBeyondARegistryRecordIsASerializationExceptionThatAllocatesNothingOfItsSize() {
    Serde<Question> serde = AvroSerdes.forConfig(config.kafka()).serde(Question.class);
    byte[] valid = serde.serializer().serialize("questions", question("q1"));
    // Magic byte and the 8-byte global id (Apicurio's default framing), then an id claiming 1 GB.
    byte[] claim = java.util.Arrays.copyOf(valid, 9 + 5);
    System.arraycopy(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08}, 0, claim, 9, 5);
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    assertThrows(SerializationException.class, () -> serde.deserializer().deserialize("questions", claim));
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertTrue(allocated < 16 << 20, allocated + " bytes allocated for a " + claim.length + "-byte record");
  }

  @Test
  void readsARecordWrittenWithAnOlderSchemaVersionWithTheCurrentClass() {
    Map<String, Object> props = new HashMap<>(RegistrySerde.defaults(registry.url()));
    AvroKafkaSerializer<GenericRecord> oldProducer = new AvroKafkaSerializer<>();
    oldProducer.configure(props, false);
    GenericRecord old = new GenericData.Record(QUESTION_V1);
    old.put("id", "q-old");
    old.put("text", "Written by an old producer?");
    old.put("submittedAt", T0.toEpochMilli());
    byte[] bytes = oldProducer.serialize("questions", old);

    Question read = AvroSerdes.forConfig(config.kafka()).serde(Question.class).deserializer().deserialize("questions", bytes);
    assertEquals("q-old", read.getId());
    assertEquals(T0, read.getSubmittedAt());
    assertNull(read.getTask());
    oldProducer.close();
  }

  @Test
  void aRecordOfAnotherTypeIsASerializationException() {
    AvroSerdes serdes = AvroSerdes.forConfig(config.kafka());
    Answer answer = Answer.newBuilder().setQuestionId("q").setQuestion("x").setTask(Task.OPEN).setAnswerText("")
        .setSteps(List.of()).setModelVersion("v").setStatus(io.memreason.avro.AnswerStatus.OK).setPromptTokens(1)
        .setGeneratedTokens(1).setSubmittedAt(T0).setAnsweredAt(T0).setLatencyMs(0).build();
    byte[] bytes = serdes.serde(Answer.class).serializer().serialize("answers", answer);
    SerializationException e = assertThrows(SerializationException.class,
        () -> serdes.serde(Question.class).deserializer().deserialize("questions", bytes));
    assertEquals("a Answer on topic questions where a Question was expected", e.getMessage());
  }

  @Test
  void bytesWithoutASchemaIdAreASerializationException() {
    Serde<Question> serde = AvroSerdes.forConfig(config.kafka()).serde(Question.class);
    assertThrows(SerializationException.class,
        () -> serde.deserializer().deserialize("questions", "plain text".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void theRegistryFormatNeedsAUrl() {
    MemreasonConfig noUrl = MemreasonConfig.defaults().with(Map.of("serde.format", "registry"));
    Exception e = assertThrows(RuntimeException.class, () -> AvroSerdes.forConfig(noUrl.kafka()));
    assertTrue(e.getMessage().startsWith("serde.format=registry needs serde.registry.url"), e.getMessage());
  }

  /** Just enough of Apicurio Registry's v2 REST API: create an artifact version, fetch content by global id. */
  private static final class FakeRegistry {
    private static final Pattern CREATE = Pattern.compile("/apis/registry/v2/groups/([^/]+)/artifacts");
    private static final Pattern REFERENCES = Pattern.compile("/apis/registry/v2/ids/globalIds/(\\d+)/references");
    private static final Pattern CONTENT = Pattern.compile("/apis/registry/v2/ids/globalIds/(\\d+)");

    final List<String> registeredArtifacts = new ArrayList<>();
    private final Map<String, Long> idsByContent = new HashMap<>();
    private final Map<Long, String> contentById = new HashMap<>();
    private HttpServer server;

    void start() throws IOException {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext("/apis/registry/v2/", this::handle);
      server.start();
    }

    String url() {
      return "http://127.0.0.1:" + server.getAddress().getPort() + "/apis/registry/v2";
    }

    void stop() {
      server.stop(0);
    }

    private synchronized void handle(HttpExchange ex) throws IOException {
      String path = ex.getRequestURI().getPath();
      Matcher m;
      if (ex.getRequestMethod().equals("POST") && (m = CREATE.matcher(path)).matches()) {
        String content = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String artifactId = ex.getRequestHeaders().getFirst("X-Registry-ArtifactId");
        long id = idsByContent.computeIfAbsent(content, c -> (long) idsByContent.size() + 1);
        contentById.put(id, content);
        if (!registeredArtifacts.contains(m.group(1) + "/" + artifactId)) {
          registeredArtifacts.add(m.group(1) + "/" + artifactId);
        }
        respond(ex, 200, "{\"groupId\":\"" + m.group(1) + "\",\"id\":\"" + artifactId + "\",\"version\":\"" + id
            + "\",\"globalId\":" + id + ",\"contentId\":" + id + ",\"type\":\"AVRO\",\"state\":\"ENABLED\"}");
      } else if ((m = REFERENCES.matcher(path)).matches()) {
        respond(ex, 200, "[]");
      } else if ((m = CONTENT.matcher(path)).matches() && contentById.containsKey(Long.parseLong(m.group(1)))) {
        respond(ex, 200, contentById.get(Long.parseLong(m.group(1))));
      } else {
        respond(ex, 404, "{\"error_code\":404,\"message\":\"No artifact with global id in " + path + "\"}");
      }
    }

    private static void respond(HttpExchange ex, int status, String body) throws IOException {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(status, bytes.length);
      ex.getResponseBody().write(bytes);
      ex.close();
    }
  }
}
