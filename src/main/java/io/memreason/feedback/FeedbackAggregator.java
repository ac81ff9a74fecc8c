package io.memreason.feedback;

import io.memreason.config.MemreasonConfig;
import io.memreason.config.ShutdownBudget;
import io.memreason.kafka.ClientProperties;
import io.memreason.pipeline.serde.AvroSerdes;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Properties;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running feedback aggregator: the {@link FeedbackTopology} in a Kafka Streams client of its own (application id
 * {@code feedback.application-id}, so it scales and restarts apart from the inference pipeline), configured from
 * {@code kafka.*} and {@code streams.*} like the pipeline.
 */
public final class FeedbackAggregator implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FeedbackAggregator.class);

  private final KafkaStreams streams;

  private FeedbackAggregator(KafkaStreams streams) {
    this.streams = streams;
  }

  /** Builds the topology and starts it; returns at once. */
  public static FeedbackAggregator start(MemreasonConfig config, MeterRegistry registry) {
    Properties props = new Properties();
    props.putAll(ClientProperties.streams(config));
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.feedback().applicationId());
    KafkaStreams streams = new KafkaStreams(FeedbackTopology.build(config, AvroSerdes.forConfig(config.kafka()),
        new FeedbackMetrics(registry), Clock.systemUTC(), Stores::persistentKeyValueStore), props);
    streams.setStateListener((now, before) -> log.info("feedback aggregator {} -> {}", before, now));
    streams.setUncaughtExceptionHandler(e -> {
      log.error("the feedback aggregator stops: {}", e.toString(), e);
      return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    log.info("starting the feedback aggregator (application {}, labels from {})", config.feedback().applicationId(),
        config.topics().feedback());
    streams.start();
    return new FeedbackAggregator(streams);
  }

  /** Commits and leaves the consumer group, so another instance takes the partitions at once. */
  @Override
  public void close() {
    streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
        .withTimeout(ShutdownBudget.FEEDBACK_CLOSE));
  }
}
