package io.memreason.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.avro.Answer;
import io.memreason.avro.AnswerStatus;
import io.memreason.avro.DeadLetter;
import io.memreason.avro.Question;
import io.memreason.config.MemreasonConfig;
import io.memreason.kafka.ClientProperties;
import io.memreason.kafka.EmbeddedKafka;
import io.memreason.kafka.EmbeddedKafkaExtension;
import io.memreason.kafka.TopicCreator;
import io.memreason.pipeline.PoisonRecords.Outcome;
import io.memreason.pipeline.PoisonRecords.PoisonRecord;
import io.memreason.pipeline.serde.AvroSerdes;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 15's acceptance: with a fixed seed, more than 400 bad records of every poison kind ({@link PoisonRecords})
 * interleaved with 60 valid questions, through the real broker and the default model, to a pipeline process with the
 * Docker image's heap settings ({@code -Xmx2g -XX:+ExitOnOutOfMemoryError}). Every valid question is answered
 * exactly once; every bad record is accounted for (its dead letter with its reason, its FAILED answer, or its normal
 * answer); the pipeline never leaves RUNNING; and its heap stays bounded. The questions topic takes records of up to
 * 8 MiB, as a topic configured for large questions would; the outputs' topics keep Kafka's default of 1 MiB.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class PoisonFuzzIT {
  private static final long SEED = 15;
  private static final int PER_KIND = 4;
  private static final int VALID = 60;
  private static final int DUPLICATE_PAIRS = 5;
  private static final Duration TIMEOUT = Duration.ofSeconds(150);
  /**
   * The old generation's peak: a record's large arrays are allocated there directly, and a 1 GB length claim alone
   * took 1 GiB before issue 15. (The whole heap's peak follows the GC's pace, 160-380 MiB here, and is reported.)
   */
  private static final long MAX_OLD_GENERATION_PEAK = 512L << 20;
  /** The process's resident memory at its peak: the model, libtorch and the heap (500-730 MiB here). */
  private static final long MAX_RSS_PEAK = 1536L << 20;

  /** One produced record, where it landed and what must come of it. */
  private record Sent(PoisonRecord record, int partition, long offset) {}

  @Test
  void noRecordStopsTheStreamAndEveryRecordIsAccountedFor(EmbeddedKafka kafka) throws Exception {
    String name = "fuzz-" + UUID.randomUUID().toString().substring(0, 8);
    MemreasonConfig config = PipelineFixture.configNamed(kafka.bootstrapServers(), name);
    createTopics(config);
    PipelineFixture.defaultModel(); // built here, not in the pipeline process
    List<PoisonRecord> records = interleaved();
    long bad = records.stream().filter(r -> !r.kind().equals(VALID_KIND)).count();
    long kinds = records.stream().map(PoisonRecord::kind).filter(k -> !k.equals(VALID_KIND)).distinct().count();
    assertTrue(bad >= 400 && kinds >= 70, bad + " bad records of " + kinds + " kinds");

    Path log = Path.of("target", "it-state", name + ".log");
    Process pipeline = startPipelineProcess(kafka, name, log);
    try (PublishedRecords published = new PublishedRecords(config)) {
      awaitLine(pipeline, log, "STATE RUNNING", Duration.ofSeconds(120));
      long started = System.nanoTime();
      List<Sent> sent = produce(config, records);
      Set<String> answerIds = new HashSet<>();
      long deadLetters = 0;
      for (Sent s : sent) {
        Outcome o = s.record().outcome();
        if (o == Outcome.UNDECODABLE || o == Outcome.INVALID || o == Outcome.REJECTED) {
          deadLetters++;
        } else if (o != Outcome.DUPLICATE_OR_ANSWERED) {
          answerIds.add(s.record().questionId());
        }
      }
      long expectedDeadLetters = deadLetters;
      published.pollUntil(() -> !pipeline.isAlive() || published.answers.stream().map(ConsumerRecord::key)
              .collect(Collectors.toSet()).containsAll(answerIds) && published.deadLetters.size() >= expectedDeadLetters,
          TIMEOUT, answerIds.size() + " answers and " + expectedDeadLetters + " dead letters");
      published.drainFor(Duration.ofSeconds(1));
      System.out.printf("PoisonFuzzIT: %d valid questions and %d bad records of %d kinds accounted for in %d ms%n",
          VALID, bad, kinds, (System.nanoTime() - started) / 1_000_000);

      assertTrue(pipeline.isAlive(), "the pipeline process is alive: " + tail(log));
      List<String> states = Files.readAllLines(log).stream().filter(l -> l.startsWith("STATE ")).toList();
      assertEquals("STATE RUNNING", states.get(states.size() - 1), "the pipeline's states: " + states);
      assertEquals(1, states.stream().filter(l -> l.equals("STATE RUNNING")).count(),
          "the pipeline reached RUNNING once and never left it: " + states);
      assertAccountedFor(sent, published, config);
      assertTheLivePageShowsTheAnsweredQuestionsOnly(log, sent);
      assertMemoryBounded(log);
    } finally {
      pipeline.destroyForcibly().waitFor();
    }
  }

  private static final String VALID_KIND = "a valid question";

  /** The valid questions and the bad records, shuffled together with the seed; a duplicate pair stays adjacent. */
  private static List<PoisonRecord> interleaved() {
    Random random = new Random(SEED);
    List<List<PoisonRecord>> units = new ArrayList<>();
    for (Question q : PipelineFixture.questions("v", VALID)) {
      units.add(List.of(new PoisonRecord(VALID_KIND, "valid", PoisonRecords.utf8(q.getId()), PoisonRecords.encode(q),
          List.of(), Outcome.ANSWERED, q.getId())));
    }
    PoisonRecords.corpus(SEED, PER_KIND).forEach(r -> units.add(List.of(r)));
    for (int n = 0; n < DUPLICATE_PAIRS; n++) {
      units.add(PoisonRecords.duplicatePair(n));
    }
    java.util.Collections.shuffle(units, random);
    return units.stream().flatMap(List::stream).toList();
  }

  private static void createTopics(MemreasonConfig config) throws Exception {
    try (Admin admin = Admin.create(ClientProperties.admin(config))) {
      admin.createTopics(List.of(new NewTopic(config.topics().questions(), config.topics().partitions(), (short) 1)
          .configs(Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(8 << 20))))).all().get();
    }
    TopicCreator.createMissing(config);
  }

  private static List<Sent> produce(MemreasonConfig config, List<PoisonRecord> records) throws Exception {
    Map<String, Object> props = ClientProperties.producer(config);
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 << 20);
    props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L << 20);
    List<Future<RecordMetadata>> acks = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
      for (PoisonRecord r : records) {
        acks.add(producer.send(new ProducerRecord<>(config.topics().questions(), null, r.key(), r.value(), r.headers())));
      }
      producer.flush();
    }
    List<Sent> sent = new ArrayList<>();
    for (int i = 0; i < records.size(); i++) {
      RecordMetadata m = acks.get(i).get();
      sent.add(new Sent(records.get(i), m.partition(), m.offset()));
    }
    return sent;
  }

  private static void assertAccountedFor(List<Sent> sent, PublishedRecords published, MemreasonConfig config) {
    Map<String, List<Answer>> answers = new HashMap<>();
    published.answers.forEach(a -> answers.computeIfAbsent(a.key(), k -> new ArrayList<>()).add(a.value()));
    Map<String, List<DeadLetter>> deadLetters = new HashMap<>();
    for (ConsumerRecord<String, DeadLetter> d : published.deadLetters) {
      assertEquals(config.topics().questions(), d.value().getSourceTopic());
      deadLetters.computeIfAbsent(d.value().getSourcePartition() + "@" + d.value().getSourceOffset(),
          k -> new ArrayList<>()).add(d.value());
    }
    Map<String, String> outcomes = new TreeMap<>();
    Set<String> expectedAnswerIds = new HashSet<>();
    Set<String> onceAnswered = new HashSet<>();
    int expectedDeadLetters = 0;
    for (Sent s : sent) {
      PoisonRecord r = s.record();
      String what = r.poisonClass() + " / " + r.kind() + " (offset " + s.partition() + "@" + s.offset() + ")";
      List<DeadLetter> dead = deadLetters.getOrDefault(s.partition() + "@" + s.offset(), List.of());
      List<Answer> answered = r.questionId() == null ? List.of() : answers.getOrDefault(r.questionId(), List.of());
      String outcome;
      switch (r.outcome()) {
        case UNDECODABLE, INVALID, REJECTED -> {
          assertEquals(1, dead.size(), what + ": one dead letter");
          DeadLetter d = dead.get(0);
          if (r.outcome() != Outcome.REJECTED) {
            assertEquals(r.outcome().name(), d.getErrorType(), what + ": " + d.getError());
          }
          assertFalse(d.getError().isBlank() || d.getError().contains("\n"), what + ": one-line reason " + d.getError());
          assertTrue(d.getError().length() <= 2 * ReasonText.MAX_CHARS + 40, what + ": short reason");
          assertKeptOrTruncated(what, r, d);
          assertTrue(answered.isEmpty() || r.questionId() == null, what + ": not answered");
          expectedDeadLetters++;
          outcome = "dead letter " + d.getErrorType() + (d.getTruncated() ? " (truncated)" : "");
        }
        case DUPLICATE_OR_ANSWERED -> {
          boolean duplicate = dead.size() == 1 && dead.get(0).getErrorType().equals(InferenceProcessor.DUPLICATE);
          assertEquals(duplicate ? 1 : 2, answered.size(), what + ": its id's answers");
          expectedDeadLetters += duplicate ? 1 : 0;
          outcome = duplicate ? "dead letter DUPLICATE" : "answered (the first was done)";
        }
        default -> {
          assertTrue(dead.isEmpty(), what + ": no dead letter, got " + dead);
          assertFalse(answered.isEmpty(), what + ": answered");
          Answer a = answered.get(answered.size() - 1);
          switch (r.outcome()) {
            case FAILED -> assertEquals(AnswerStatus.FAILED, a.getStatus(), what);
            case ANSWERED -> assertNotEquals(AnswerStatus.FAILED, a.getStatus(), what + ": " + a.getError());
            default -> { }
          }
          if (r.poisonClass().equals(PoisonRecords.INJECTION)) {
            assertFalse(a.getLabel() != null && a.getLabel().contains("POISONED"), what + ": label " + a.getLabel());
          }
          if (a.getStatus() == AnswerStatus.FAILED) {
            assertFalse(a.getError() == null || a.getError().isBlank(), what + ": the error");
          }
          expectedAnswerIds.add(r.questionId());
          if (a.getStatus() != AnswerStatus.FAILED && !r.questionId().startsWith("dup")) {
            onceAnswered.add(r.questionId()); // a FAILED answer has no trace, though steps may have gone out before
          }
          outcome = "answer " + a.getStatus();
        }
      }
      if (!r.kind().equals(VALID_KIND)) {
        outcomes.merge(r.poisonClass() + " | " + r.kind(), outcome, (x, y) -> x.equals(y) ? x : x + ", " + y);
      }
    }
    outcomes.forEach((kind, outcome) -> System.out.println("PoisonFuzzIT outcome | " + kind + " | " + outcome));
    assertEquals(expectedDeadLetters, published.deadLetters.size(), "dead letters beyond the bad records");
    assertEquals(expectedAnswerIds, answers.keySet(), "answers to questions nobody asked");
    published.assertStepsOnce(onceAnswered);
    Map<String, Long> stepCounts = java.util.stream.Stream.concat(published.memorySteps.stream(),
        published.reasonSteps.stream()).collect(Collectors.groupingBy(r -> r.key() + "#" + r.value().getIndex(),
        Collectors.counting()));
    stepCounts.forEach((step, count) -> assertTrue(count == 1 || step.startsWith("dup"), step + " published " + count
        + " times"));
  }

  /**
   * The live page's follower read every question too, with the pipeline's rules: it knows each answered question
   * with its answer, and none of the questions that were dead-lettered.
   */
  private static void assertTheLivePageShowsTheAnsweredQuestionsOnly(Path log, List<Sent> sent) throws Exception {
    String port = Files.readAllLines(log).stream().filter(l -> l.startsWith("WEB ")).findFirst().orElseThrow()
        .substring(4);
    HttpClient http = HttpClient.newHttpClient();
    int known = 0;
    int unknown = 0;
    for (Sent s : sent) {
      String id = s.record().questionId();
      if (id == null || QuestionLimits.characters(id) > QuestionLimits.MAX_ID_CHARS || id.isBlank() || id.chars().anyMatch(Character::isISOControl)
          || s.record().outcome() == Outcome.DUPLICATE_OR_ANSWERED) {
        continue;
      }
      HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
          + "/api/answers/" + URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20") + "?timeoutMs=0"))
          .build(), HttpResponse.BodyHandlers.ofString());
      boolean answered = switch (s.record().outcome()) {
        case UNDECODABLE, INVALID, REJECTED -> false;
        default -> true;
      };
      assertEquals(answered ? 200 : 404, page.statusCode(), s.record().kind() + " " + id + ": " + page.body());
      if (answered) {
        known++;
      } else {
        unknown++;
      }
    }
    System.out.printf("PoisonFuzzIT: the live page knows %d answered questions and none of %d dead-lettered ones%n",
        known, unknown);
  }

  /** A dead letter keeps the record byte for byte, or, when it would not fit, its start, lengths and digests. */
  private static void assertKeptOrTruncated(String what, PoisonRecord r, DeadLetter d) {
    assertEquals(r.value() == null ? null : r.value().length, d.getValueLength(), what);
    assertEquals(r.key() == null ? null : r.key().length, d.getKeyLength(), what);
    assertEquals(DeadLetters.sha256(r.value()), d.getValueSha256(), what);
    assertEquals(DeadLetters.sha256(r.key()), d.getKeySha256(), what);
    long size = (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
    assertEquals(size > 1_000_000, d.getTruncated(), what + ": truncated only when too large");
    if (!d.getTruncated() && r.value() != null) {
      assertEquals(ByteBuffer.wrap(r.value()), d.getValue(), what + ": kept byte for byte");
    }
    if (d.getTruncated() && r.value() != null) {
      assertEquals(ByteBuffer.wrap(Arrays.copyOf(r.value(), Math.min(r.value().length, DeadLetters.KEPT_BYTES))),
          d.getValue(), what + ": its first bytes");
    }
  }

  private static void assertMemoryBounded(Path log) throws IOException {
    String memory = Files.readAllLines(log).stream().filter(l -> l.startsWith("MEMORY ")).reduce((a, b) -> b)
        .orElseThrow();
    Map<String, Long> figures = new LinkedHashMap<>();
    for (String field : memory.substring("MEMORY ".length()).split(" ")) {
      figures.put(field.split("=")[0], Long.parseLong(field.split("=")[1]));
    }
    System.out.printf("PoisonFuzzIT: pipeline process heap peak %d MiB (old generation %d MiB), heap now %d MiB, RSS %d"
            + " MiB, RSS peak %d MiB%n", figures.get("heapPeak") >> 20, figures.get("oldPeak") >> 20,
        figures.get("heapUsed") >> 20, figures.get("rss") >> 20, figures.get("rssPeak") >> 20);
    assertTrue(figures.get("oldPeak") < MAX_OLD_GENERATION_PEAK, "old generation peak " + (figures.get("oldPeak") >> 20)
        + " MiB");
    assertTrue(figures.get("rssPeak") < MAX_RSS_PEAK, "RSS peak " + (figures.get("rssPeak") >> 20) + " MiB");
  }

  private static Process startPipelineProcess(EmbeddedKafka kafka, String name, Path log) throws IOException {
    Files.createDirectories(log.getParent());
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(java, "-Xmx2g", "-XX:+ExitOnOutOfMemoryError", "-cp",
        System.getProperty("java.class.path"), PoisonPipelineProcess.class.getName(), kafka.bootstrapServers(), name)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }

  private static void awaitLine(Process process, Path log, String line, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!Files.readAllLines(log).contains(line)) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new AssertionError("the pipeline process did not print " + line + ": " + tail(log));
      }
      Thread.sleep(100);
    }
  }

  private static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
  }
}
