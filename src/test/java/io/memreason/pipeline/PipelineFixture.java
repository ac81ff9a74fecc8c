package io.memreason.pipeline;

import io.memreason.avro.Question;
import io.memreason.avro.Task;
import io.memreason.config.MemreasonConfig;
import io.memreason.kafka.ClientProperties;
import io.memreason.kafka.TopicCreator;
import io.memreason.pipeline.serde.AvroSerdes;
import io.memreason.reasoning.Reasoner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** What the pipeline's integration tests share: the model they run on, their configuration, their input. */
public final class PipelineFixture {
  private PipelineFixture() {}

  /**
   * The model behind the pipeline in the integration tests. For now a scripted stand-in that writes steps with
   * a delay; replace this one method to run every pipeline IT on the real engine.
   */
  public static Reasoner reasoner() {
    return new ScriptedReasoner(4, 8, Duration.ofMillis(15));
  }

  /** A configuration of its own for one test: topics, application id and state directory nobody else uses. */
  public static MemreasonConfig config(String bootstrap, String name) {
    String unique = name + "-" + UUID.randomUUID().toString().substring(0, 8);
    return configNamed(bootstrap, unique);
  }

  /** The same configuration again, e.g. for a restarted process. */
  static MemreasonConfig configNamed(String bootstrap, String unique) {
    Path stateDir = Path.of("target", "it-state", unique).toAbsolutePath();
    return MemreasonConfig.defaults().with(Map.ofEntries(
        Map.entry("kafka.bootstrap.servers", bootstrap),
        Map.entry("streams.application.id", unique),
        Map.entry("streams.state.dir", stateDir.toString()),
        Map.entry("topics.questions", unique + ".questions"),
        Map.entry("topics.memory-steps", unique + ".steps.memory"),
        Map.entry("topics.reason-steps", unique + ".steps.reason"),
        Map.entry("topics.answers", unique + ".answers"),
        Map.entry("topics.feedback", unique + ".feedback"),
        Map.entry("topics.training-examples", unique + ".training-examples"),
        Map.entry("topics.model-versions", unique + ".model-versions"),
        Map.entry("topics.dead-letters", unique + ".dead-letters"),
        Map.entry("topics.feedback-stats", unique + ".feedback-stats"),
        Map.entry("topics.partitions", "3"),
        Map.entry("pipeline.max-question-chars", "200")));
  }

  /** The configuration, once its topics exist. */
  public static MemreasonConfig withTopics(MemreasonConfig config) {
    TopicCreator.createMissing(config);
    return config;
  }

  static Question question(String id, String text) {
    return Question.newBuilder().setId(id).setText(text).setTask(Task.STRATEGYQA).setSubmittedAt(Instant.now()).build();
  }

  /** Produces questions, keyed by id, and raw records as they are. */
  static void produce(MemreasonConfig config, List<Question> questions, List<byte[][]> rawRecords) {
    var serializer = AvroSerdes.forConfig(config.kafka()).serde(Question.class).serializer();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(ClientProperties.producer(config))) {
      for (Question q : questions) {
        producer.send(new ProducerRecord<>(config.topics().questions(), q.getId().getBytes(StandardCharsets.UTF_8),
            serializer.serialize(config.topics().questions(), q)));
      }
      for (byte[][] kv : rawRecords) {
        producer.send(new ProducerRecord<>(config.topics().questions(), kv[0], kv[1]));
      }
      producer.flush();
    }
  }
}
