package io.memreason.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import io.memreason.avro.Answer;
import io.memreason.avro.ModelVersion;
import io.memreason.avro.Question;
import io.memreason.avro.ReasoningStep;
import io.memreason.avro.Task;
import io.memreason.avro.TrainingExample;
import io.memreason.config.MemreasonConfig;
import io.memreason.config.MemreasonConfig.Component;
import io.memreason.feedback.FeedbackAggregator;
import io.memreason.kafka.BrokerAccess;
import io.memreason.kafka.ClientProperties;
import io.memreason.kafka.ComponentAcls;
import io.memreason.kafka.EmbeddedKafka;
import io.memreason.kafka.LogCapture;
import io.memreason.kafka.TopicCreator;
import io.memreason.pipeline.InferencePipeline;
import io.memreason.pipeline.PipelineFixture;
import io.memreason.pipeline.serde.AvroSerdes;
import io.memreason.reasoning.Reasoner;
import io.memreason.reasoning.ReasoningRequest;
import io.memreason.reasoning.TraceListener;
import io.memreason.training.DefaultModel;
import io.memreason.training.atlas.AtlasDataset;
import io.memreason.training.atlas.AtlasQuestion;
import io.memreason.web.Health;
import io.memreason.web.Role;
import io.memreason.web.TestCertificate;
import io.memreason.web.TokenFile;
import io.memreason.web.TraceMonitor;
import io.memreason.web.WebServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline on the secure embedded broker (SASL/PLAIN, the standard authorizer), every component logged in
 * as its own principal with exactly the ACLs of {@link ComponentAcls} and no shared login: inference, the feedback
 * aggregator, the HTTP server (over HTTPS with tokens), the ask command and the retrain command. Unauthorised
 * producers and consumers are refused, a question from an intruder never reaches the model, every question is
 * answered exactly once, and no secret used shows up in any log line, error, metric, record or page.
 */
class KafkaPrincipalsIT {
  private static final Duration WAIT = Duration.ofMinutes(3);
  private static final String ADMIN = "admin";
  private static final String INTRUDER = "intruder";

  @TempDir
  Path dir;

  /** The model behind the pipeline, remembering every question handed to it. */
  private static final class RecordingReasoner implements Reasoner {
    final Reasoner model;
    final Set<String> submitted = ConcurrentHashMap.newKeySet();

    RecordingReasoner(Reasoner model) {
      this.model = model;
    }

    @Override
    public boolean submit(ReasoningRequest request, TraceListener listener, Duration timeout) throws InterruptedException {
      submitted.add(request.id());
      return model.submit(request, listener, timeout);
    }

    @Override
    public void cancel(String requestId) {
      model.cancel(requestId);
    }

    @Override
    public String modelVersion() {
      return model.modelVersion();
    }

    @Override
    public void close() {
      model.close();
    }
  }

  @Test
  void everyComponentWorksWithExactlyItsAclsAndNothingElseGetsThrough() throws Exception {
    Map<String, String> passwords = new LinkedHashMap<>();
    for (String user : Stream.concat(Stream.of(ADMIN, INTRUDER), Stream.of(Component.values()).map(Component::key))
        .toList()) {
      passwords.put(user, "pw-" + user + "-" + UUID.randomUUID());
    }
    String keystorePassword = "ks-" + UUID.randomUUID();
    String hfToken = "hf_" + UUID.randomUUID().toString().replace("-", "");
    Path tokens = dir.resolve("tokens");
    String ana = TokenFile.add(tokens, "ana", EnumSet.allOf(Role.class));
    String walt = TokenFile.add(tokens, "walt", EnumSet.of(Role.WATCH));
    List<String> secrets = new ArrayList<>(passwords.values());
    secrets.addAll(List.of(keystorePassword, hfToken, ana, walt));

    TestCertificate certificate = new TestCertificate();
    Path keystore = certificate.writeKeystore(dir.resolve("server.p12"), keystorePassword);
    Path keystorePasswordFile = Files.writeString(dir.resolve("keystore-password"), keystorePassword);
    AtlasDataset atlas = DefaultModel.defaultRecipe().dataset();
    atlas.writeTo(dir.resolve("atlas"));
    List<String> errors = new ArrayList<>();

    try (LogCapture logs = new LogCapture()) {
      String unique = "secure-" + UUID.randomUUID().toString().substring(0, 8);
      // Settings for a broker not started yet: the bootstrap address is filled in below.
      Map<String, String> settings = new LinkedHashMap<>(EmbeddedKafka.SASL_PLAIN);
      settings.putAll(Map.of(
          // Not memreason-feedback under the inference id's prefix: transactional-id ACLs match by prefix.
          "feedback.application-id", "labels-" + unique,
          "registry.dir", dir.resolve("registry").toString(),
          "retrain.work-dir", dir.resolve("retrain-work").toString(),
          "retrain.eval-data", dir.resolve("atlas").resolve(AtlasDataset.Split.TEST.fileName()).toString(),
          "retrain.epochs", "1",
          "topics.create", "false",
          "hub.token", hfToken));
      settings.putAll(Map.of("web.host", "127.0.0.1", "web.port", "0", "web.auth", "tokens",
          "web.tokens-file", tokens.toString(), "web.tls.keystore", keystore.toString(),
          "web.tls.keystore-password-file", keystorePasswordFile.toString()));
      MemreasonConfig template = PipelineFixture.configNamed("127.0.0.1:0", unique).with(settings);
      BrokerAccess access = BrokerAccess.read(Files.writeString(dir.resolve("access"),
          ComponentAcls.accessFile(template, passwords, ADMIN, List.of(INTRUDER))));

      try (EmbeddedKafka kafka = EmbeddedKafka.startSecure(dir.resolve("kafka"), 0, access)) {
        settings.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        for (Component component : Component.values()) {
          settings.put("kafka." + component.key() + ".sasl.jaas.config", access.jaas(component.key()));
        }
        MemreasonConfig c = template.with(settings);
        MemreasonConfig admin = c.with(Map.of("kafka.sasl.jaas.config", access.jaas(ADMIN)));
        MemreasonConfig intruder = c.with(Map.of("kafka.sasl.jaas.config", access.jaas(INTRUDER)));
        TopicCreator.createMissing(admin);
        List<String> cli = new ArrayList<>();
        PipelineFixture.DEFAULT_MODEL_ENGINE.forEach(settings::putIfAbsent);
        settings.forEach((k, v) -> cli.addAll(List.of("--set", k + "=" + v)));
        cli.addAll(List.of("--set", "streams.application.id=" + c.kafka().applicationId(),
            "--set", "streams.state.dir=" + dir.resolve("streams"), "--set", "pipeline.max-question-chars=200"));
        topicSettings(c).forEach((k, v) -> cli.addAll(List.of("--set", k + "=" + v)));

        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MemreasonConfig inference = c.forComponent(Component.INFERENCE);
        try (RecordingReasoner model = new RecordingReasoner(ReasonerFactory.create(inference, registry));
             InferencePipeline pipeline = InferencePipeline.start(inference, model, registry);
             FeedbackAggregator aggregator = FeedbackAggregator.start(c.forComponent(Component.FEEDBACK), registry);
             TraceMonitor monitor = TraceMonitor.start(c.forComponent(Component.WEB));
             WebServer web = WebServer.start(c.web(), registry, () -> Health.of(pipeline.state()), monitor)) {
          pipeline.awaitRunning(WAIT);
          HttpClient https = HttpClient.newBuilder().sslContext(certificate.trustingIt()).build();
          String base = "https://127.0.0.1:" + web.port();

          // An intruder's question is refused by the broker and never reaches the model.
          String intruderId = "intruder-" + UUID.randomUUID();
          Throwable refused = produceFails(intruder, c.topics().questions(), intruderId, question(intruderId, "x"));
          assertInstanceOf(AuthorizationException.class, refused, refused.toString());
          errors.add(refused.toString());
          // The ask command's principal may ask, but not label (write feedback).
          Throwable noFeedback = produceFails(c.forComponent(Component.ASK), c.topics().feedback(), "q", new byte[] {1});
          assertInstanceOf(AuthorizationException.class, noFeedback, noFeedback.toString());
          errors.add(noFeedback.toString());
          // Nor may anyone read what is not theirs: the intruder the answers, the web server the training examples,
          // the ask command the pipeline's consumer group.
          for (var attempt : List.<Map.Entry<MemreasonConfig, String>>of(Map.entry(intruder, c.topics().answers()),
              Map.entry(c.forComponent(Component.WEB), c.topics().trainingExamples()))) {
            AuthorizationException e = assertThrows(AuthorizationException.class,
                () -> readOnce(attempt.getKey(), attempt.getValue(), null));
            errors.add(e.toString());
          }
          AuthorizationException group = assertThrows(AuthorizationException.class,
              () -> readOnce(c.forComponent(Component.ASK), c.topics().memorySteps(), c.kafka().applicationId()));
          errors.add(group.toString());

          // Questions from the ask principal, the web server (HTTPS, a token) and the ask command.
          List<AtlasQuestion> asked = atlas.test().subList(0, 6);
          List<String> ids = new ArrayList<>();
          try (KafkaProducer<byte[], byte[]> asker = new KafkaProducer<>(
              ClientProperties.producer(c.forComponent(Component.ASK)))) {
            for (AtlasQuestion q : asked) {
              String id = unique + "-q" + ids.size();
              ids.add(id);
              asker.send(record(c.topics().questions(), id, serialize(c, question(id, q.question())))).get();
            }
          }
          HttpResponse<String> viaWeb = https.send(HttpRequest.newBuilder(URI.create(base + "/api/questions"))
              .header("Authorization", "Bearer " + ana).header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString("{\"text\": \"" + atlas.test().get(7).question()
                  + "\", \"task\": \"ATLAS\"}")).build(), HttpResponse.BodyHandlers.ofString());
          assertEquals(202, viaWeb.statusCode(), viaWeb.body());
          String webId = JsonParser.parseString(viaWeb.body()).getAsJsonObject().get("id").getAsString();
          ids.add(webId);
          List<String> askArgs = new ArrayList<>(List.of("ask", atlas.test().get(8).question(), "--task", "ATLAS",
              "--id", unique + "-ask", "--timeout-s", "180"));
          askArgs.addAll(cli);
          assertEquals(0, Main.commandLine().execute(askArgs.toArray(String[]::new)), "the ask command");
          ids.add(unique + "-ask");

          HttpResponse<String> answer = https.send(HttpRequest.newBuilder(URI.create(base + "/api/answers/" + webId
              + "?timeoutMs=" + WAIT.toMillis())).header("Authorization", "Bearer " + walt).build(),
              HttpResponse.BodyHandlers.ofString());
          assertEquals(200, answer.statusCode(), answer.body());
          HttpResponse<String> labelled = https.send(HttpRequest.newBuilder(URI.create(base + "/api/feedback"))
              .header("Authorization", "Bearer " + ana).header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString("{\"questionId\": \"" + webId + "\", \"verdict\": \"INCORRECT\","
                  + " \"correctedAnswer\": \"" + atlas.test().get(7).answer() + "\"}")).build(),
              HttpResponse.BodyHandlers.ofString());
          assertEquals(200, labelled.statusCode(), labelled.body());

          // Exactly once: one answer per question, each step once, nothing for the intruder's.
          Map<String, List<Answer>> answers = new HashMap<>();
          Map<String, Integer> steps = new HashMap<>();
          readUntil(admin, List.of(c.topics().answers(), c.topics().memorySteps(), c.topics().reasonSteps()),
              r -> {
                if (r.topic().equals(c.topics().answers())) {
                  Answer a = AvroSerdes.forConfig(c.kafka()).serde(Answer.class).deserializer().deserialize(r.topic(), r.value());
                  answers.computeIfAbsent(a.getQuestionId(), k -> new ArrayList<>()).add(a);
                } else {
                  ReasoningStep s = AvroSerdes.forConfig(c.kafka()).serde(ReasoningStep.class).deserializer()
                      .deserialize(r.topic(), r.value());
                  steps.merge(s.getQuestionId() + "#" + s.getIndex(), 1, Integer::sum);
                }
              }, () -> answers.keySet().containsAll(ids), Duration.ofSeconds(3));
          for (String id : ids) {
            assertEquals(1, answers.get(id).size(), "one answer for " + id);
            assertEquals(answers.get(id).get(0).getSteps().size(),
                steps.keySet().stream().filter(k -> k.startsWith(id + "#")).count(), "the steps of " + id);
          }
          assertTrue(steps.values().stream().allMatch(n -> n == 1), "every step published once: " + steps);
          assertFalse(answers.containsKey(intruderId));
          assertFalse(model.submitted.contains(intruderId), "the intruder's question never reached the model");
          assertTrue(model.submitted.containsAll(ids));

          // The aggregator (its principal) turns the label into a training example under the token's name...
          List<TrainingExample> examples = new ArrayList<>();
          readUntil(admin, List.of(c.topics().trainingExamples()), r -> examples.add(AvroSerdes.forConfig(c.kafka())
              .serde(TrainingExample.class).deserializer().deserialize(r.topic(), r.value())),
              () -> !examples.isEmpty(), Duration.ZERO);
          assertEquals(webId, examples.get(0).getQuestionId());
          assertEquals("ana", examples.get(0).getLabeller());

          // ... which the retrain command (its principal) learns from, announcing versions on model-versions.
          List<String> retrain = new ArrayList<>(List.of("retrain", "--force"));
          retrain.addAll(cli);
          assertEquals(0, Main.commandLine().execute(retrain.toArray(String[]::new)), "the retrain command");
          List<ModelVersion> versions = new ArrayList<>();
          readUntil(admin, List.of(c.topics().modelVersions()), r -> versions.add(AvroSerdes.forConfig(c.kafka())
              .serde(ModelVersion.class).deserializer().deserialize(r.topic(), r.value())),
              () -> versions.stream().anyMatch(v -> v.getVersion().equals("v2")), Duration.ZERO);

          // What a watcher can see holds no secret either: metrics, the page, the session.
          for (String path : List.of("/metrics", "/", "/app.js", "/api/session")) {
            HttpResponse<String> r = https.send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + walt).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), path);
            assertNoSecret(secrets, List.of(r.body()), path);
          }
          assertNoSecret(secrets, versions.stream().map(Object::toString).toList(), "the model-versions records");
        }
      }
      List<String> stored = new ArrayList<>();
      try (Stream<Path> files = Files.walk(dir.resolve("registry"))) {
        for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
          stored.add(Files.readString(f));
        }
      }
      assertFalse(stored.isEmpty());
      assertNoSecret(secrets, stored, "the registry's manifests");
      assertNoSecret(secrets, errors, "the refused clients' errors");
      List<String> lines = logs.lines();
      assertTrue(lines.size() > 1000, "debug logging was captured: " + lines.size() + " lines");
      assertNoSecret(secrets, lines, "the log");
      System.out.println("secrets checked against " + lines.size() + " log lines");
    }
  }

  /** The topic names of the configuration, as --set arguments for the commands run here. */
  private static Map<String, String> topicSettings(MemreasonConfig c) {
    Map<String, String> out = new LinkedHashMap<>();
    c.settings().prefixed("topics.").forEach((k, v) -> out.put("topics." + k, v));
    out.put("feedback.application-id", c.feedback().applicationId());
    return out;
  }

  private static void assertNoSecret(List<String> secrets, List<String> texts, String where) {
    for (String text : texts) {
      for (String secret : secrets) {
        if (text.contains(secret)) {
          throw new AssertionError("a secret (" + secret.substring(0, 3) + "…) appears in " + where + ": "
              + text.substring(0, Math.min(text.length(), 300)).replace(secret, "<SECRET>"));
        }
      }
    }
  }

  private static Question question(String id, String text) {
    return Question.newBuilder().setId(id).setText(text).setTask(Task.ATLAS).setSubmittedAt(Instant.now()).build();
  }

  private static byte[] serialize(MemreasonConfig c, Question q) {
    return AvroSerdes.forConfig(c.kafka()).serde(Question.class).serializer().serialize(c.topics().questions(), q);
  }

  private static ProducerRecord<byte[], byte[]> record(String topic, String key, byte[] value) {
    return new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value);
  }

  private static Throwable produceFails(MemreasonConfig config, String topic, String key, Object value) {
    Map<String, Object> props = ClientProperties.producer(config);
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000);
    props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    byte[] bytes = value instanceof Question q ? serialize(config, q) : (byte[]) value;
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
      producer.send(record(topic, key, bytes)).get(30, TimeUnit.SECONDS);
      throw new AssertionError("the broker accepted a record on " + topic);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (AuthorizationException e) {
      return e;
    } catch (Exception e) {
      throw new AssertionError("unexpected failure producing to " + topic, e);
    }
  }

  /** One poll of a topic, assigned (no group) or as a member of {@code group}. */
  private static void readOnce(MemreasonConfig config, String topic, String group) {
    Map<String, Object> props = ClientProperties.readCommittedConsumer(config);
    props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
    if (group != null) {
      props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    }
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      if (group != null) {
        consumer.subscribe(List.of(topic));
      } else {
        consumer.assign(List.of(new TopicPartition(topic, 0)));
        consumer.seekToBeginning(List.of(new TopicPartition(topic, 0)));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(500));
      }
    }
  }

  /** Reads the topics from their beginning until {@code done}, then for {@code quiet} more (anything late). */
  private static void readUntil(MemreasonConfig config, List<String> topics,
                                java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> each,
                                java.util.function.BooleanSupplier done, Duration quiet) {
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(ClientProperties.readCommittedConsumer(config))) {
      List<TopicPartition> partitions = topics.stream().flatMap(t -> consumer.partitionsFor(t).stream()
          .map(p -> new TopicPartition(t, p.partition()))).collect(Collectors.toList());
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (!done.getAsBoolean()) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("timed out reading " + topics);
        }
        consumer.poll(Duration.ofMillis(200)).forEach(each);
      }
      long quietUntil = System.nanoTime() + quiet.toNanos();
      while (System.nanoTime() < quietUntil) {
        consumer.poll(Duration.ofMillis(200)).forEach(each);
      }
    }
  }
}
