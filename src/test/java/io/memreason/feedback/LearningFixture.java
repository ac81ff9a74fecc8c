package io.memreason.feedback;

import io.memreason.config.MemreasonConfig;
import io.memreason.kafka.ClientProperties;
import io.memreason.kafka.TopicCreator;
import io.memreason.pipeline.serde.AvroSerdes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
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

  /** Topics, application ids, state and registry folders nobody else uses; the topics are created. */
  static MemreasonConfig config(String bootstrap, String name, Path registry, Map<String, String> more) {
    String unique = name + "-" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, String> keys = new HashMap<>(Map.ofEntries(
        Map.entry("kafka.bootstrap.servers", bootstrap),
        Map.entry("streams.application.id", unique),
        Map.entry("feedback.application-id", unique + "-feedback"),
        Map.entry("streams.state.dir", Path.of("target", "it-state", unique).toAbsolutePath().toString()),
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
        Map.entry("registry.dir", registry.toString()),
        Map.entry("retrain.work-dir", registry.resolveSibling("retrain-work").toString())));
    keys.putAll(more);
    MemreasonConfig config = MemreasonConfig.defaults().with(keys);
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
