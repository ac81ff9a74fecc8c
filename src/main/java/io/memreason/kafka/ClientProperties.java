package io.memreason.kafka;

import io.memreason.config.MemreasonConfig;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The properties of every Kafka client memreason creates: each {@code kafka.*} key goes to every client
 * (bootstrap servers, SASL, SSL), each {@code streams.*} key to Kafka Streams only.
 */
public final class ClientProperties {
  private ClientProperties() {}

  /** Admin clients and anything else that needs only the connection. */
  public static Map<String, Object> admin(MemreasonConfig config) {
    return new HashMap<>(config.kafka().clientProperties());
  }

  /** Kafka Streams: the connection plus every {@code streams.*} key. */
  public static Map<String, Object> streams(MemreasonConfig config) {
    Map<String, Object> p = admin(config);
    p.putAll(config.kafka().streamsProperties());
    return p;
  }

  /** An idempotent producer of raw bytes (values are encoded by the caller's serde). */
  public static Map<String, Object> producer(MemreasonConfig config) {
    Map<String, Object> p = admin(config);
    p.putIfAbsent(ProducerConfig.ACKS_CONFIG, "all");
    p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return p;
  }

  /**
   * A consumer of raw bytes that sees only committed transactions, i.e. exactly what the pipeline
   * published once. Without a group: the caller assigns partitions and seeks.
   */
  public static Map<String, Object> readCommittedConsumer(MemreasonConfig config) {
    Map<String, Object> p = admin(config);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    return p;
  }
}
