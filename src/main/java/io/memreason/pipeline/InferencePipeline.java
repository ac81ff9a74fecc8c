package io.memreason.pipeline;

import io.memreason.config.MemreasonConfig;
import io.memreason.config.ShutdownBudget;
import io.memreason.kafka.ClientProperties;
import io.memreason.pipeline.serde.AvroSerdes;
import io.memreason.reasoning.MemoryVerifier;
import io.memreason.reasoning.Reasoner;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running inference pipeline: the {@link InferenceTopology} in a Kafka Streams client configured from
 * {@code kafka.*} and {@code streams.*}, with its client metrics bound to the meter registry.
 */
public final class InferencePipeline implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(InferencePipeline.class);

  private static final Duration DRAIN_CHECK = Duration.ofMillis(20);

  private final KafkaStreams streams;
  private final KafkaStreamsMetrics streamsMetrics;
  private final PipelineMetrics metrics;
  private final Drain drain;
  private final Duration drainTimeout;
  private final Object stateChanges = new Object();
  private volatile Throwable failure;
  private final AtomicBoolean closed = new AtomicBoolean();

  private InferencePipeline(KafkaStreams streams, KafkaStreamsMetrics streamsMetrics, PipelineMetrics metrics,
                            Drain drain, Duration drainTimeout) {
    this.streams = streams;
    this.streamsMetrics = streamsMetrics;
    this.metrics = metrics;
    this.drain = drain;
    this.drainTimeout = drainTimeout;
    streams.setStateListener((now, before) -> {
      log.info("pipeline {} -> {}", before, now);
      synchronized (stateChanges) {
        stateChanges.notifyAll();
      }
    });
  }

  /**
   * Reads the output topics' record limits ({@link OutputLimits}, a moment; at most 15 s when the cluster does not
   * answer), builds the topology and starts processing; returns without waiting for it (see {@link #awaitRunning}).
   * With {@code pipeline.verify} on, memory steps are checked against the knowledge topic.
   */
  public static InferencePipeline start(MemreasonConfig config, Reasoner reasoner, MeterRegistry registry) {
    return start(config, reasoner, registry, Optional.empty());
  }

  /**
   * As {@link #start(MemreasonConfig, Reasoner, MeterRegistry)}, memory steps checked by {@code verifier} instead of
   * the knowledge topic when {@code pipeline.verify} is on (the demo's atlas world, say).
   */
  public static InferencePipeline start(MemreasonConfig config, Reasoner reasoner, MeterRegistry registry,
                                        Optional<MemoryVerifier> verifier) {
    PipelineMetrics metrics = new PipelineMetrics(registry);
    Drain drain = new Drain();
    AvroSerdes serdes = AvroSerdes.forConfig(config.kafka());
    MemreasonConfig.Topics t = config.topics();
    OutputLimits limits = OutputLimits.of(config, List.of(t.memorySteps(), t.reasonSteps(), t.answers(),
        t.deadLetters(), t.questions()));
    Topology topology = InferenceTopology.build(config, reasoner, serdes, metrics, drain,
        InferenceTopology.persistentPendingStore(), limits, verifier);
    Properties props = new Properties();
    props.putAll(ClientProperties.streams(config));
    props.putAll(InferenceTopology.exceptionHandling(config, serdes, metrics, limits));
    KafkaStreams streams = new KafkaStreams(topology, props);
    KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(streams);
    streamsMetrics.bindTo(registry);
    InferencePipeline pipeline = new InferencePipeline(streams, streamsMetrics, metrics, drain,
        Duration.ofMillis(config.pipeline().drainTimeoutMs()));
    // A failure the processor cannot turn into a dead letter or a FAILED answer is a bug or a broken
    // cluster: stop this client (health goes down, an orchestrator restarts it) rather than loop on it.
    streams.setUncaughtExceptionHandler(e -> {
      log.error("the inference pipeline stops: {}", e.toString(), e);
      pipeline.failure = e;
      return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    log.info("starting the inference pipeline (application {}, questions from {})", config.kafka().applicationId(),
        config.topics().questions());
    streams.start();
    return pipeline;
  }

  public KafkaStreams.State state() {
    return streams.state();
  }

  /** The Kafka clients' metrics (Streams, its producer and consumers), e.g. for a benchmark's profile. */
  public Map<MetricName, ? extends Metric> kafkaMetrics() {
    return streams.metrics();
  }

  /** Why the pipeline stopped on its own, if it did. */
  public Throwable failure() {
    return failure;
  }

  /** Waits until the pipeline processes records; fails when it stops or does not get there in time. */
  public void awaitRunning(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (stateChanges) {
      while (streams.state() != KafkaStreams.State.RUNNING) {
        KafkaStreams.State state = streams.state();
        if (state != KafkaStreams.State.CREATED && !state.isRunningOrRebalancing()) {
          throw new IllegalStateException("the inference pipeline stopped (" + state + ")"
              + (failure == null ? "" : ": " + failure.getMessage()));
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IllegalStateException("the inference pipeline is not running after " + timeout.toSeconds()
              + " s (state " + state + "): is Kafka reachable at the configured kafka.bootstrap.servers?");
        }
        stateChanges.wait(Math.max(1, left / 1_000_000));
      }
    }
  }

  /**
   * Drains (see {@code pipeline.drain-timeout-ms}), then commits what was forwarded and leaves the consumer group, so
   * another instance takes the partitions at once instead of after the session timeout. Closing again does nothing.
   */
  @Override
  public void close() {
    if (closed.getAndSet(true)) {
      return;
    }
    drain();
    streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
        .withTimeout(ShutdownBudget.PIPELINE_CLOSE));
    streamsMetrics.close();
  }

  /**
   * Hands no new question to the model and waits, at most the drain timeout, until the questions in flight are
   * answered; the punctuators go on forwarding meanwhile, also while the group rebalances (a task that moves away
   * meanwhile leaves its questions to its next owner). Whatever is left stays pending for the next owner.
   */
  private void drain() {
    drain.start();
    long deadline = System.nanoTime() + drainTimeout.toNanos();
    long answersBefore = metrics.answers(); // first: an answer between the two reads then counts as answered
    int inFlight = metrics.inFlight();
    if (inFlight == 0 || !streams.state().isRunningOrRebalancing()) {
      return;
    }
    log.info("draining: {} questions in flight, waiting up to {} ms for their answers", inFlight,
        drainTimeout.toMillis());
    try {
      while (metrics.inFlight() > 0 && System.nanoTime() < deadline && streams.state().isRunningOrRebalancing()) {
        Thread.sleep(DRAIN_CHECK.toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // No question goes to the model once the drain has started, so every answer since is one of those in flight; the
    // others were still with the model, or on a partition a rebalance moved away meanwhile, and stay pending.
    long answered = Math.min(inFlight, metrics.answers() - answersBefore);
    log.info("drained: {} of {} questions answered, {} left pending for their partitions' next owners", answered,
        inFlight, inFlight - answered);
  }
}
