package io.memreason.feedback;

import io.memreason.avro.TrainingExample;
import io.memreason.config.MemreasonConfig;
import io.memreason.kafka.ClientProperties;
import io.memreason.pipeline.serde.AvroSerdes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The training-examples topic as the retraining side reads it: every labelled trace up to the topic's end at the
 * time of reading (a snapshot, identified by the end offset of each partition), the latest label per question winning
 * as compaction would make it. Labels written after a given snapshot are the "new" labels a retrain trigger counts.
 * Reads {@code read_committed}: only labels the aggregator committed.
 */
public final class LabelledTraceLog implements AutoCloseable {
  private static final Duration POLL = Duration.ofMillis(200);

  /**
   * What the topic held up to its end offsets.
   *
   * @param current the latest labelled trace of each question, in the order first seen
   * @param endOffsets the offset up to which each partition was read
   * @param newLabels records at or after the baseline offsets given to {@link #read}
   */
  public record Snapshot(Map<String, TrainingExample> current, Map<Integer, Long> endOffsets, long newLabels) {}

  private final Consumer<byte[], byte[]> consumer;
  private final Deserializer<TrainingExample> deserializer;
  private final String topic;
  private final List<TopicPartition> partitions;

  public LabelledTraceLog(MemreasonConfig config) {
    this(new KafkaConsumer<>(ClientProperties.readCommittedConsumer(config)),
        AvroSerdes.forConfig(config.kafka()).serde(TrainingExample.class).deserializer(),
        config.topics().trainingExamples());
  }

  LabelledTraceLog(Consumer<byte[], byte[]> consumer, Deserializer<TrainingExample> deserializer, String topic) {
    this.consumer = consumer;
    this.deserializer = deserializer;
    this.topic = topic;
    List<PartitionInfo> infos = consumer.partitionsFor(topic);
    if (infos == null || infos.isEmpty()) {
      consumer.close();
      throw new IllegalStateException("topic " + topic + " (topics.training-examples) does not exist: start the"
          + " feedback aggregator (serve) or create the topics");
    }
    this.partitions = infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    consumer.assign(partitions);
  }

  /**
   * Reads every partition from its beginning to its current end.
   *
   * @param baseline per partition, the offset from which labels count as new (a partition not named: all are new)
   */
  public Snapshot read(Map<Integer, Long> baseline, Duration timeout) {
    consumer.seekToBeginning(partitions);
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
    Map<String, TrainingExample> current = new LinkedHashMap<>();
    long newLabels = 0;
    long deadline = System.nanoTime() + timeout.toNanos();
    while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("could not read " + topic + " to its end within " + timeout.toSeconds() + " s");
      }
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
        if (r.offset() >= end.get(new TopicPartition(r.topic(), r.partition()))) {
          continue; // written after the snapshot was taken: the next run's
        }
        String id = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
        if (r.value() == null) {
          current.remove(id);
          continue;
        }
        current.put(id, deserializer.deserialize(r.topic(), r.headers(), r.value()));
        if (r.offset() >= baseline.getOrDefault(r.partition(), 0L)) {
          newLabels++;
        }
      }
    }
    Map<Integer, Long> endOffsets = new TreeMap<>();
    end.forEach((tp, offset) -> endOffsets.put(tp.partition(), offset));
    return new Snapshot(current, endOffsets, newLabels);
  }

  /** Labels written at or after {@code baseline}, counted from there without reading the older ones. */
  public long countSince(Map<Integer, Long> baseline, Duration timeout) {
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
    for (TopicPartition tp : partitions) {
      consumer.seek(tp, baseline.getOrDefault(tp.partition(), 0L));
    }
    long count = 0;
    long deadline = System.nanoTime() + timeout.toNanos();
    while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("could not read " + topic + " to its end within " + timeout.toSeconds() + " s");
      }
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
        if (r.value() != null && r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
          count++;
        }
      }
    }
    return count;
  }

  @Override
  public void close() {
    consumer.close();
  }
}
