package io.memreason.web;

import io.memreason.avro.Feedback;
import io.memreason.avro.Question;
import io.memreason.config.MemreasonConfig;
import io.memreason.kafka.ClientProperties;
import io.memreason.pipeline.serde.AvroSerdes;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.Serializer;

/** Produces what the page and the API submit: questions and feedback, both keyed by question id. */
final class Submissions implements AutoCloseable {
  private final Producer<byte[], byte[]> producer;
  private final String questionsTopic;
  private final String feedbackTopic;
  private final Serializer<Question> questions;
  private final Serializer<Feedback> feedback;

  Submissions(Producer<byte[], byte[]> producer, MemreasonConfig config) {
    AvroSerdes serdes = AvroSerdes.forConfig(config.kafka());
    this.producer = producer;
    this.questionsTopic = config.topics().questions();
    this.feedbackTopic = config.topics().feedback();
    this.questions = serdes.serde(Question.class).serializer();
    this.feedback = serdes.serde(Feedback.class).serializer();
  }

  /**
   * Submissions through a producer of its own. An HTTP request waits for the broker's acknowledgement, so when the
   * cluster is unreachable a request fails within seconds instead of hanging for the client defaults' minutes
   * ({@code kafka.max.block.ms} and {@code kafka.delivery.timeout.ms} override these).
   */
  static Submissions create(MemreasonConfig config) {
    Map<String, Object> props = ClientProperties.producer(config);
    props.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
    props.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    props.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20_000);
    return new Submissions(new KafkaProducer<>(props), config);
  }

  /** Completes when the broker has the question. */
  CompletableFuture<RecordMetadata> ask(Question q) {
    return send(questionsTopic, q.getId(), questions.serialize(questionsTopic, q));
  }

  /** Completes when the broker has the feedback. */
  CompletableFuture<RecordMetadata> label(Feedback f) {
    return send(feedbackTopic, f.getQuestionId(), feedback.serialize(feedbackTopic, f));
  }

  private CompletableFuture<RecordMetadata> send(String topic, String key, byte[] value) {
    CompletableFuture<RecordMetadata> acknowledged = new CompletableFuture<>();
    try {
      producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value), (metadata, error) -> {
        if (error != null) {
          acknowledged.completeExceptionally(error);
        } else {
          acknowledged.complete(metadata);
        }
      });
    } catch (RuntimeException e) {
      acknowledged.completeExceptionally(e);
    }
    return acknowledged;
  }

  @Override
  public void close() {
    producer.close();
  }
}
