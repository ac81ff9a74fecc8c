package io.memreason.feedback;

import io.memreason.avro.ModelAccuracy;
import io.memreason.avro.ModelVersion;
import io.memreason.config.MemreasonConfig;
import io.memreason.kafka.TopicTail;
import io.memreason.pipeline.serde.AvroSerdes;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Follows how the model learns, from now on: the live accuracy of each model version (feedback-stats) and the
 * registry's announcements (model-versions), as a read_committed consumer without a group.
 */
public final class LearningSubscription implements AutoCloseable {
  /** Receives what was published, on the polling thread. */
  public interface Handler {
    void onAccuracy(ModelAccuracy accuracy);

    void onModelVersion(ModelVersion version);
  }

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String statsTopic;
  private final Deserializer<ModelAccuracy> accuracy;
  private final Deserializer<ModelVersion> versions;

  private LearningSubscription(MemreasonConfig config) {
    AvroSerdes serdes = AvroSerdes.forConfig(config.kafka());
    this.accuracy = serdes.serde(ModelAccuracy.class).deserializer();
    this.versions = serdes.serde(ModelVersion.class).deserializer();
    this.statsTopic = config.topics().feedbackStats();
    this.consumer = TopicTail.fromNow(config, List.of(config.topics().feedbackStats(),
        config.topics().modelVersions()), "create the topics (topics.create=true)");
  }

  /** Subscribes at the current end of the feedback-stats and model-versions topics. */
  public static LearningSubscription fromNow(MemreasonConfig config) {
    return new LearningSubscription(config);
  }

  /** Waits up to {@code timeout} for records and hands each to the handler; deleted versions are skipped. */
  public void poll(Duration timeout, Handler handler) {
    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(timeout)) {
      if (r.value() == null) {
        continue;
      }
      if (r.topic().equals(statsTopic)) {
        handler.onAccuracy(accuracy.deserialize(r.topic(), r.headers(), r.value()));
      } else {
        handler.onModelVersion(versions.deserialize(r.topic(), r.headers(), r.value()));
      }
    }
  }

  @Override
  public void close() {
    consumer.close();
  }
}
