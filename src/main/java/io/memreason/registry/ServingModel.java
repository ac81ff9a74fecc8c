package io.memreason.registry;

import io.memreason.avro.ModelVersion;
import io.memreason.config.MemreasonConfig;
import io.memreason.kafka.ClientProperties;
import io.memreason.pipeline.serde.AvroSerdes;
import io.memreason.reasoning.Reasoner;
import io.memreason.reasoning.ReasoningRequest;
import io.memreason.reasoning.TraceListener;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Optional;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Reasoner} of a serving process when a registry is configured: the version promoted last on the
 * model-versions topic (or, before any promotion, the configured model), behind a {@link SwappableReasoner} that a
 * {@link PromotedVersionFollower} swaps to every version promoted later, with the canary announced there, if any,
 * beside it. Closing it stops following and closes every
 * loaded version.
 */
public final class ServingModel implements Reasoner {
  private static final Logger log = LoggerFactory.getLogger(ServingModel.class);
  private static final Duration CATCH_UP = Duration.ofMinutes(1);

  private final SwappableReasoner reasoner;
  private final PromotedVersionFollower follower;

  private ServingModel(SwappableReasoner reasoner, PromotedVersionFollower follower) {
    this.reasoner = reasoner;
    this.follower = follower;
  }

  /**
   * Loads the version promoted last (or {@code configured} when none was) and starts following promotions.
   *
   * @param configured the model to serve until the registry has promoted a version
   */
  public static ServingModel start(MemreasonConfig config, ModelRegistry registry, VersionLoader loader,
                                   ModelSource configured, MeterRegistry meters) {
    PromotedVersionFollower follower = new PromotedVersionFollower(
        new KafkaConsumer<>(ClientProperties.readCommittedConsumer(config)),
        AvroSerdes.forConfig(config.kafka()).serde(ModelVersion.class).deserializer(),
        config.topics().modelVersions(), registry, loader, meters,
        new CanaryRouting(config.registry().live().canary()));
    try {
      Optional<PromotedVersionFollower.Promotion> promoted = follower.catchUp(CATCH_UP);
      ModelSource source = promoted
          .map(p -> ModelSource.of(PromotedVersionFollower.load(registry, p.version())))
          .orElse(configured);
      log.info("serving model version {} ({})", source.version(),
          promoted.isPresent() ? "promoted last on " + config.topics().modelVersions() : "no version promoted yet");
      SwappableReasoner reasoner = new SwappableReasoner(source.version(), loader.load(source),
          new ShadowSampling(config.registry().live().shadow()));
      // A canary in effect is running before the first question is routed: a question resubmitted after a restart
      // goes to the version that started it.
      follower.startCanaryInEffect(reasoner);
      follower.start(reasoner);
      io.micrometer.core.instrument.Gauge.builder("memreason.serving.canary.share", reasoner,
              r -> r.canary().map(CanaryRouting::share).orElse(0.0))
          .description("Share of the questions the canary version answers (serving.canary while one runs, else 0)")
          .register(meters);
      io.micrometer.core.instrument.Gauge.builder("memreason.serving.versions.loaded", reasoner,
              r -> r.loadedVersions().size())
          .description("Model versions loaded over the shared base: serving, canary, and those finishing questions")
          .register(meters);
      return new ServingModel(reasoner, follower);
    } catch (RuntimeException e) {
      follower.close();
      throw e;
    }
  }

  @Override
  public boolean submit(ReasoningRequest request, TraceListener listener, Duration timeout)
      throws InterruptedException {
    return reasoner.submit(request, listener, timeout);
  }

  @Override
  public void cancel(String requestId) {
    reasoner.cancel(requestId);
  }

  @Override
  public String modelVersion() {
    return reasoner.modelVersion();
  }

  @Override
  public String modelVersionFor(String requestId) {
    return reasoner.modelVersionFor(requestId);
  }

  @Override
  public Optional<String> shadowVersionFor(String requestId) {
    return reasoner.shadowVersionFor(requestId);
  }

  @Override
  public boolean submitTo(String version, ReasoningRequest request, TraceListener listener, Duration timeout)
      throws InterruptedException {
    return reasoner.submitTo(version, request, listener, timeout);
  }

  /** The versions behind this process: the serving one and, while one runs, the canary. */
  public SwappableReasoner versions() {
    return reasoner;
  }

  @Override
  public void close() {
    follower.close();
    reasoner.close();
  }
}
