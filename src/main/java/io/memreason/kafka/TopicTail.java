package io.memreason.kafka;

import io.memreason.config.MemreasonConfig;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * A read_committed consumer without a group for following topics from now on: every partition is assigned, at its
 * current end, so each record committed afterwards is seen once, as soon as its transaction commits.
 */
public final class TopicTail {
  private TopicTail() {}

  /**
   * Opens the consumer on {@code topics}.
   *
   * @param whenMissing what to do about a topic that does not exist, for the error message
   * @throws IllegalStateException if a topic does not exist
   */
  public static KafkaConsumer<byte[], byte[]> fromNow(MemreasonConfig config, List<String> topics, String whenMissing) {
    KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(ClientProperties.readCommittedConsumer(config));
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : topics) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic);
      if (infos == null || infos.isEmpty()) {
        consumer.close();
        throw new IllegalStateException("topic " + topic + " does not exist at " + config.kafka().bootstrapServers()
            + ": " + whenMissing);
      }
      infos.forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
    }
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    // Resolve the end offsets now, not at the first poll: records published in between must not be skipped.
    partitions.forEach(consumer::position);
    return consumer;
  }
}
