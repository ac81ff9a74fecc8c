package io.memreason.registry;

import io.memreason.avro.ModelVersion;
import io.memreason.config.MemreasonConfig;
import io.memreason.kafka.ClientProperties;
import io.memreason.pipeline.serde.AvroSerdes;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Announces registry changes on the compacted model-versions topic, keyed by version: a version's record replaces
 * its previous one, and a deleted version leaves a tombstone. Every send is waited for, so a job that reports a
 * promotion has made it visible.
 */
public final class ModelVersionPublisher implements AutoCloseable {
  private final Producer<byte[], byte[]> producer;
  private final Serializer<ModelVersion> serializer;
  private final String topic;

  public ModelVersionPublisher(MemreasonConfig config) {
    this(new KafkaProducer<>(ClientProperties.producer(config)),
        AvroSerdes.forConfig(config.kafka()).serde(ModelVersion.class).serializer(), config.topics().modelVersions());
  }

  ModelVersionPublisher(Producer<byte[], byte[]> producer, Serializer<ModelVersion> serializer, String topic) {
    this.producer = producer;
    this.serializer = serializer;
    this.topic = topic;
  }

  /** The record that describes a registered version as it stands. */
  public static ModelVersion record(RegisteredVersion v) {
    return ModelVersion.newBuilder()
        .setVersion(v.name().value())
        .setBaseModel(v.manifest().baseModel())
        .setLocation(v.folder().toString())
        .setParentVersion(v.manifest().parent())
        .setStatus(v.status().status())
        .setMetrics(v.manifest().metrics())
        .setReason(v.status().reason())
        .setManifestSha256(v.manifestSha256())
        .setCreatedAt(v.manifest().created())
        .build();
  }

  public void publish(RegisteredVersion v) {
    send(v.name(), serializer.serialize(topic, record(v)));
  }

  /** Removes a deleted version from the compacted topic. */
  public void tombstone(VersionName name) {
    send(name, null);
  }

  private void send(VersionName name, byte[] value) {
    try {
      producer.send(new ProducerRecord<>(topic, name.value().getBytes(StandardCharsets.UTF_8), value)).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while announcing model version " + name, e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot announce model version " + name + " on " + topic + ": "
          + e.getCause().getMessage(), e.getCause());
    }
  }

  @Override
  public void close() {
    producer.close();
  }
}
