package io.memreason.feedback;

import io.memreason.config.MemreasonConfig;
import io.memreason.kafka.ClientProperties;
import io.memreason.kafka.TopicCreator;
import io.memreason.pipeline.PipelineFixture;
import io.memreason.pipeline.serde.AvroSerdes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/** What the learning integration tests share: a configuration of their own, and writing and reading topics. */
final class LearningFixture {
  private LearningFixture() {}

  /**
   * The pipeline's test configuration ({@link PipelineFixture#configNamed}) plus the feedback aggregator's application
   * id and registry folders nobody else uses, and {@code more}; the topics are created.
   */
  static MemreasonConfig config(String bootstrap, String name, Path registry, Map<String, String> more) {
    String unique = name + "-" + UUID.randomUUID().toString().substring(0, 8);
    MemreasonConfig config = PipelineFixture.configNamed(bootstrap, unique).with(Map.of(
        "feedback.application-id", unique + "-feedback",
        "registry.dir", registry.toString(),
        "retrain.work-dir", registry.resolveSibling("retrain-work").toString())).with(more);
    TopicCreator.createMissing(config);
    return config;
  }

  static <T extends SpecificRecord> void produce(MemreasonConfig config, String topic, Class<T> type,
                                                 Map<String, T> records) {
    Serializer<T> serializer = AvroSerdes.forConfig(config.kafka()).serde(type).serializer();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(ClientProperties.producer(config))) {
      records.forEach((key, value) -> producer.send(new ProducerRecord<>(topic,
          key.getBytes(StandardCharsets.UTF_8), serializer.serialize(topic, value))));
      producer.flush();
    }
  }

  /** Every committed record of a topic, from its beginning to its end as of now, in each partition's order. */
  static <T extends SpecificRecord> List<ConsumerRecord<String, T>> readAll(MemreasonConfig config, String topic,
                                                                           Class<T> type) {
    Deserializer<T> deserializer = AvroSerdes.forConfig(config.kafka()).serde(type).deserializer();
    List<ConsumerRecord<String, T>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(ClientProperties.readCommittedConsumer(config))) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          T value = r.value() == null ? null : deserializer.deserialize(topic, r.value());
          out.add(new ConsumerRecord<>(r.topic(), r.partition(), r.offset(),
              new String(r.key(), StandardCharsets.UTF_8), value));
        }
      }
    }
    return out;
  }
}
