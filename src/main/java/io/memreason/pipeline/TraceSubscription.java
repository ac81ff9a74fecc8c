package io.memreason.pipeline;

import io.memreason.avro.Answer;
import io.memreason.avro.ReasoningStep;
import io.memreason.config.MemreasonConfig;
import io.memreason.kafka.TopicTail;
import io.memreason.pipeline.serde.AvroSerdes;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Follows the steps and answers the pipeline publishes from now on, as a read_committed consumer (so each
 * record is seen once, as soon as its transaction commits, about one commit interval after it was written).
 * No consumer group: every partition is assigned, starting at its current end.
 */
public final class TraceSubscription implements AutoCloseable {
  /** Receives what was published, on the polling thread. */
  public interface Handler {
    void onStep(ReasoningStep step);

    void onAnswer(Answer answer);
  }

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String answersTopic;
  private final Deserializer<ReasoningStep> steps;
  private final Deserializer<Answer> answers;

  private TraceSubscription(MemreasonConfig config) {
    AvroSerdes serdes = AvroSerdes.forConfig(config.kafka());
    this.steps = serdes.serde(ReasoningStep.class).deserializer();
    this.answers = serdes.serde(Answer.class).deserializer();
    MemreasonConfig.Topics t = config.topics();
    this.answersTopic = t.answers();
    this.consumer = TopicTail.fromNow(config, List.of(t.memorySteps(), t.reasonSteps(), t.answers()),
        "start `memreason serve` (topics.create=true) or create the topics");
  }

  /** Subscribes at the current end of the memory-step, reason-step and answer topics. */
  public static TraceSubscription fromNow(MemreasonConfig config) {
    return new TraceSubscription(config);
  }

  /** Waits up to {@code timeout} for records and hands each to the handler. */
  public void poll(Duration timeout, Handler handler) {
    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(timeout)) {
      if (r.topic().equals(answersTopic)) {
        handler.onAnswer(answers.deserialize(r.topic(), r.value()));
      } else {
        handler.onStep(steps.deserialize(r.topic(), r.value()));
      }
    }
  }

  @Override
  public void close() {
    consumer.close();
  }
}
