package io.memreason.registry;

import io.memreason.avro.ModelStatus;
import io.memreason.avro.ModelVersion;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the model-versions topic from its beginning and keeps a {@link SwappableReasoner} on the version promoted
 * last: each newly promoted version is verified against its announced manifest checksum, loaded on this follower's
 * own thread (the stream goes on meanwhile), then swapped in. A version announced as a CANARY is loaded the same way
 * and runs beside the serving one with the configured {@link CanaryRouting}; when it is promoted it takes over
 * without a load, and when it is rejected its share goes back to the serving version. The version promoted last is the PROMOTED record with
 * the latest timestamp, since the topic's partitions are read in no particular order. A version that fails to load
 * or verify is logged and counted ({@code memreason_model_swaps_total{outcome="failed"}}), and the serving version
 * stays.
 *
 * <p>Per version announced it keeps two gauges: {@code memreason_registry_version_status{model_version,status}}, 1
 * for the version's latest status (what the promotion gate or the live gate decided; the reason is on the topic, the
 * page and in the log) and 0 for the others, and {@code memreason_serving_share{model_version}}, the share of the
 * questions this process routes to it.
 */
public final class PromotedVersionFollower implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PromotedVersionFollower.class);
  private static final Duration POLL = Duration.ofMillis(200);

  /** A promotion as read: the record and when it was published. */
  public record Promotion(ModelVersion version, long timestamp) {}

  private final Consumer<byte[], byte[]> consumer;
  private final Deserializer<ModelVersion> deserializer;
  private final String topic;
  private final ModelRegistry registry;
  private final VersionLoader loader;
  private final Counter swapped;
  private final Counter failed;
  private final AtomicBoolean running = new AtomicBoolean();
  private final CanaryRouting routing;
  private Promotion latest;
  /** The latest record of each version: a canary is one whose latest record says CANARY. */
  private final Map<String, Promotion> latestOf = new ConcurrentHashMap<>();
  private final MeterRegistry meters;
  /** The reasoner this follower keeps up to date, once given; the share gauges read it. */
  private volatile SwappableReasoner served;
  private Thread thread;

  public PromotedVersionFollower(Consumer<byte[], byte[]> consumer, Deserializer<ModelVersion> deserializer,
                                 String topic, ModelRegistry registry, VersionLoader loader, MeterRegistry meters) {
    this(consumer, deserializer, topic, registry, loader, meters, CanaryRouting.NONE);
  }

  /** @param routing how a canary announced on the topic shares the traffic */
  public PromotedVersionFollower(Consumer<byte[], byte[]> consumer, Deserializer<ModelVersion> deserializer,
                                 String topic, ModelRegistry registry, VersionLoader loader, MeterRegistry meters,
                                 CanaryRouting routing) {
    this.routing = routing;
    this.consumer = consumer;
    this.deserializer = deserializer;
    this.topic = topic;
    this.registry = registry;
    this.loader = loader;
    this.meters = meters;
    this.swapped = swaps(meters, "ok");
    this.failed = swaps(meters, "failed");
    List<PartitionInfo> partitions = consumer.partitionsFor(topic);
    if (partitions == null || partitions.isEmpty()) {
      throw new IllegalStateException("topic " + topic + " (topics.model-versions) does not exist: create the topics"
          + " (topics.create=true) before serving from the registry");
    }
    List<TopicPartition> assigned = partitions.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    consumer.assign(assigned);
    consumer.seekToBeginning(assigned);
  }

  private static Counter swaps(MeterRegistry meters, String outcome) {
    return Counter.builder("memreason.model.swaps").description("Swaps to a newly promoted model version")
        .tag("outcome", outcome).register(meters);
  }

  /** Reads the topic up to its end as of now; returns the version promoted last, if any. */
  public Optional<Promotion> catchUp(Duration timeout) {
    Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
    long deadline = System.nanoTime() + timeout.toNanos();
    while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("could not read " + topic + " to its end within " + timeout.toSeconds() + " s");
      }
      consumer.poll(POLL).forEach(this::note);
    }
    return Optional.ofNullable(latest);
  }

  /**
   * The canary in effect as of the records read so far: the newest version whose latest record says CANARY, unless a
   * version was promoted after it.
   */
  public Optional<ModelVersion> canary() {
    return latestOf.values().stream()
        .filter(p -> p.version().getStatus() == ModelStatus.CANARY)
        .filter(p -> latest == null || p.timestamp() >= latest.timestamp())
        .max(java.util.Comparator.comparingLong(Promotion::timestamp))
        .map(Promotion::version);
  }

  /** Loads the canary in effect, if any, beside {@code target}'s serving version (before the stream starts). */
  public void startCanaryInEffect(SwappableReasoner target) {
    served = target;
    canary().ifPresent(v -> startCanary(target, v));
  }

  /** Follows the topic on a thread of its own, swapping {@code target} to each version promoted from now on. */
  public void start(SwappableReasoner target) {
    served = target;
    running.set(true);
    thread = new Thread(() -> follow(target), "memreason-model-versions");
    thread.setDaemon(true);
    thread.start();
  }

  private void follow(SwappableReasoner target) {
    try {
      while (running.get()) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
          Optional<ModelVersion> change = read(r);
          if (change.isEmpty()) {
            continue;
          }
          ModelVersion v = change.get();
          String name = v.getVersion();
          boolean isCanary = name.equals(target.canaryVersion().orElse(null));
          if (v.getStatus() == ModelStatus.PROMOTED && latest.version() == v && !name.equals(target.modelVersion())) {
            if (!target.promoteCanary(name)) {
              swap(target, v);
            } else {
              swapped.increment();
            }
          } else if (v.getStatus() == ModelStatus.CANARY && !isCanary) {
            startCanary(target, v);
          } else if ((v.getStatus() == ModelStatus.REJECTED || v.getStatus() == ModelStatus.RETIRED) && isCanary) {
            target.endCanary();
          }
        }
      }
    } catch (WakeupException closing) {
      // close() wakes the consumer up to stop.
    } catch (RuntimeException e) {
      log.error("stopped following {}: {}; the serving model version will not change until restart", topic,
          e.toString(), e);
    } finally {
      consumer.close();
    }
  }

  /** Records a promotion newer than the latest one; true when it is. */
  private boolean note(ConsumerRecord<byte[], byte[]> r) {
    return read(r).filter(v -> latest != null && latest.version() == v).isPresent();
  }

  /** Records a version's announcement (and, if it is the newest promotion, the promotion); empty for a tombstone. */
  private Optional<ModelVersion> read(ConsumerRecord<byte[], byte[]> r) {
    if (r.value() == null) {
      return Optional.empty();
    }
    ModelVersion v = deserializer.deserialize(r.topic(), r.headers(), r.value());
    Promotion seen = new Promotion(v, r.timestamp());
    if (!latestOf.containsKey(v.getVersion())) {
      registerMeters(v.getVersion());
    }
    latestOf.merge(v.getVersion(), seen, (old, now) -> now.timestamp() >= old.timestamp() ? now : old);
    if (v.getStatus() == ModelStatus.PROMOTED && (latest == null || r.timestamp() >= latest.timestamp())) {
      latest = seen;
    }
    return Optional.of(v);
  }

  private void registerMeters(String version) {
    for (ModelStatus status : ModelStatus.values()) {
      Gauge.builder("memreason.registry.version.status", this, f -> f.statusOf(version) == status ? 1 : 0)
          .description("1 for a model version's latest status on the model-versions topic (the gates' decision), else 0")
          .tag("model_version", version).tag("status", status.name().toLowerCase(Locale.ROOT)).register(meters);
    }
    Gauge.builder("memreason.serving.share", this, f -> f.shareOf(version))
        .description("Share of the questions this process routes to the model version")
        .tag("model_version", version).register(meters);
  }

  private ModelStatus statusOf(String version) {
    Promotion p = latestOf.get(version);
    return p == null ? null : p.version().getStatus();
  }

  private double shareOf(String version) {
    SwappableReasoner target = served;
    return target == null ? 0 : target.shareOf(version);
  }

  /** Loads a canary and starts it beside the serving version; a failure leaves the serving version alone. */
  private void startCanary(SwappableReasoner target, ModelVersion announced) {
    if (routing.share() == 0 && !target.shadows()) {
      log.warn("model version {} is announced as a canary, but serving.canary and serving.shadow are 0 here: "
          + "this process does not run it", announced.getVersion());
      return;
    }
    try {
      RegisteredVersion version = load(registry, announced);
      target.startCanary(version.name().value(), loader.load(ModelSource.of(version)), routing);
    } catch (RuntimeException e) {
      failed.increment();
      log.error("cannot start canary model version {}: {}; {} keeps serving every question", announced.getVersion(),
          e.getMessage(), target.modelVersion());
    }
  }

  /** Loads the version in the background of the stream (on this thread), then swaps; a failure keeps the current. */
  private void swap(SwappableReasoner target, ModelVersion announced) {
    long started = System.nanoTime();
    try {
      RegisteredVersion version = load(registry, announced);
      target.swapTo(version.name().value(), loader.load(ModelSource.of(version)));
      swapped.increment();
      log.info("swapped to model version {} after loading it for {} ms", version.name(),
          (System.nanoTime() - started) / 1_000_000);
    } catch (RuntimeException e) {
      failed.increment();
      // The message names what is wrong (a file, a checksum, a missing folder); a stack trace would add nothing.
      log.error("cannot swap to promoted model version {}: {}; {} keeps serving", announced.getVersion(),
          e.getMessage(), target.modelVersion());
    }
  }

  /** The registered version an announcement names, checked against the manifest checksum it announced. */
  public static RegisteredVersion load(ModelRegistry registry, ModelVersion announced) {
    VersionName name = new VersionName(announced.getVersion());
    RegisteredVersion version = registry.version(name).orElseThrow(() -> new IllegalStateException(
        "model version " + name + " was promoted but is not in the registry " + registry.root()
            + ": is registry.dir the folder the retraining job writes to?"));
    registry.verify(version, Optional.ofNullable(announced.getManifestSha256()));
    return version;
  }

  /** Stops following; a version being loaded is still swapped in first. */
  @Override
  public void close() {
    if (thread == null) {
      consumer.close();
      return;
    }
    running.set(false);
    consumer.wakeup();
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
