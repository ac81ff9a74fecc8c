package io.memreason.pipeline;

import io.memreason.config.MemreasonConfig;
import io.memreason.kafka.ClientProperties;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The largest record value the pipeline may send to each output topic: the smaller of its producer's
 * {@code max.request.size} and the topic's {@code max.message.bytes}, less room for the key and the record's framing.
 * A larger value would fail in the producer or the broker, and under exactly-once that failure aborts the
 * transaction and kills the task (the question is then read again and fails again), so larger values are refused
 * before they are sent.
 */
public final class OutputLimits {
  private static final Logger log = LoggerFactory.getLogger(OutputLimits.class);
  /** Producer default of {@code max.request.size}. */
  static final int DEFAULT_MAX_REQUEST_BYTES = 1_048_576;
  /**
   * What a record needs beside its value: the batch header (61 bytes), the record's own framing and its key (a
   * question id, at most 512 bytes; a dead letter's key is bounded too, see {@link DeadLetters#recordKey}).
   */
  static final int FRAMING_BYTES = 2048;
  /** How long reading the topics' limits may take (an unreachable cluster delays the start by this much). */
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(15);

  private final Map<String, Integer> maxValueBytes;
  private final int otherwise;

  private OutputLimits(Map<String, Integer> maxValueBytes, int otherwise) {
    this.maxValueBytes = Map.copyOf(maxValueBytes);
    this.otherwise = otherwise;
  }

  /** The same limit for every topic (tests, and clusters whose topic limits cannot be read). */
  public static OutputLimits everywhere(int maxRecordBytes) {
    return new OutputLimits(Map.of(), Math.max(0, maxRecordBytes - FRAMING_BYTES));
  }

  /** The configured producer's limit alone, for every topic. */
  public static OutputLimits ofProducer(MemreasonConfig config) {
    return everywhere(maxRequestBytes(config));
  }

  /**
   * The limits of the configured producer and of the given topics as the cluster reports them. When the topics'
   * configuration cannot be read (no DescribeConfigs permission), the producer's limit alone applies: a topic
   * configured for less would still refuse records, and the pipeline would stop on such a record.
   */
  static OutputLimits of(MemreasonConfig config, Collection<String> topics) {
    int producer = maxRequestBytes(config);
    Map<String, Integer> limits = new HashMap<>();
    Admin admin = Admin.create(ClientProperties.admin(config));
    try {
      Map<ConfigResource, Config> described = admin.describeConfigs(topics.stream()
          .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList()).all().get(READ_TIMEOUT.toSeconds(),
          TimeUnit.SECONDS);
      described.forEach((resource, topicConfig) -> {
        ConfigEntry entry = topicConfig.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
        int topicMax = entry == null || entry.value() == null ? producer : Integer.parseInt(entry.value());
        limits.put(resource.name(), Math.max(0, Math.min(producer, topicMax) - FRAMING_BYTES));
      });
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      log.info("cannot read max.message.bytes of {} ({}): records are bounded by max.request.size={} alone", topics,
          e.toString(), producer);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading the output topics' limits", e);
    } finally {
      admin.close(READ_TIMEOUT);
    }
    return new OutputLimits(limits, Math.max(0, producer - FRAMING_BYTES));
  }

  /** The producer's {@code max.request.size}: {@code streams.producer.max.request.size}, else the unprefixed key. */
  static int maxRequestBytes(MemreasonConfig config) {
    Map<String, Object> streams = ClientProperties.streams(config);
    Object value = streams.getOrDefault("producer." + ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
        streams.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG));
    return value == null ? DEFAULT_MAX_REQUEST_BYTES : Integer.parseInt(value.toString().strip());
  }

  /** The largest value, in bytes, a record to this topic may have. */
  public int maxValueBytes(String topic) {
    return maxValueBytes.getOrDefault(topic, otherwise);
  }
}
