package io.memreason.feedback;

import io.memreason.registry.Manifest;
import io.memreason.registry.LiveGate;
import io.memreason.registry.ModelRegistry;
import io.memreason.registry.ModelSource;
import io.memreason.registry.ModelVersionPublisher;
import io.memreason.registry.PromotionGate;
import io.memreason.registry.RegisteredVersion;
import io.memreason.registry.RetrainLock;
import io.memreason.registry.VersionLoader;
import io.memreason.registry.VersionName;
import io.memreason.reasoning.Reasoner;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One retraining run, from labelled traces to a promoted or rejected model version:
 *
 * <ol>
 *   <li>take the registry's retrain lock (never two runs at once, across processes);
 *   <li>read every labelled trace on the training-examples topic up to its current end;
 *   <li>train a candidate from the serving version on the traces worth learning plus a replay sample of the original
 *       training data ({@link CandidateTrainer});
 *   <li>score the candidate and the serving version on the fixed evaluation set, in the same run;
 *   <li>register the candidate with its metrics and the snapshot of labels it learned from, then promote it if the
 *       {@link PromotionGate} lets it through, else reject it, announcing each change on the model-versions topic,
 *       from which serving processes swap to a promoted version.
 * </ol>
 *
 * A run that fails (training diverged, the candidate does not load) is registered as a REJECTED version without files,
 * so its reason is on record and its labels do not trigger the same failing run again at once; the serving version
 * stays. Before the registry's first run, the configured model is imported as its first version.
 */
public final class RetrainJob implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RetrainJob.class);
  private static final Duration READ_TIMEOUT = Duration.ofMinutes(5);
  public static final String SERVING_ACCURACY = "serving.eval.accuracy";
  public static final String EVAL_ITEMS = "eval.items";
  public static final String TRAIN_TRACES = "train.traces";
  public static final String TRAIN_REPLAY = "train.replay";
  public static final String TRAIN_SECONDS = "train.seconds";

  /** When a run trains. */
  public enum When {
    /** Always, even without new labels. */
    ALWAYS,
    /** When there is at least one label since the last run. */
    IF_NEW_LABELS,
    /** When the {@link RetrainPolicy} says so. */
    IF_DUE
  }

  /** How a run ended. CANARY: the candidate passed the offline gate and now answers live traffic. */
  public enum Result { PROMOTED, REJECTED, FAILED, NOTHING_TO_DO, BUSY, CANARY }

  /**
   * The end of a run.
   *
   * @param candidate the version it registered, if it got that far
   * @param message what happened, in one line
   */
  public record Outcome(Result result, Optional<RegisteredVersion> candidate, String message, Duration took) {}

  /** Everything a run needs; closing them closes the Kafka clients. */
  public record Parts(ModelRegistry registry, ModelVersionPublisher publisher, LabelledTraceLog labels,
                      CandidateTrainer trainer, VersionLoader loader, EvaluationSet evaluation)
      implements AutoCloseable {
    @Override
    public void close() {
      publisher.close();
      labels.close();
    }
  }

  /**
   * How a run behaves.
   *
   * @param configured the model imported as the registry's first version when it has none (asked only then: the
   *     default model may first have to be built)
   * @param replayData the original training data to replay; empty = none
   * @param evaluationTimeout how long one version's evaluation may take
   */
  public record Settings(RetrainPolicy policy, PromotionGate gate, Supplier<ModelSource> configured, List<Path> replayData,
                         int replaySize, long seed, int maxNewTokens, Duration evaluationTimeout,
                         Duration lockStaleAfter) {}

  private final Parts parts;
  private final Settings settings;
  private final Clock clock;
  /** With a live gate, a candidate that passes the offline gate is a canary first. */
  private Optional<LiveGate> live = Optional.empty();

  public RetrainJob(Parts parts, Settings settings, Clock clock) {
    this.parts = parts;
    this.settings = settings;
    this.clock = clock;
  }

  /**
   * Tries candidates on live traffic before promoting them: one that passes the offline gate becomes a CANARY, and each
   * later run first judges the canary with {@code gate} on the labelled answers of it and of the serving version
   * (promoting it, rolling it back, or leaving it a canary, in which case the run trains nothing).
   */
  public RetrainJob withLiveGate(LiveGate gate) {
    this.live = Optional.of(gate);
    return this;
  }

  public Outcome run(When when) throws InterruptedException {
    long started = System.nanoTime();
    ModelRegistry registry = parts.registry();
    if (live.isPresent() && registry.canary().isPresent()) {
      return judgeCanary(started);
    }
    if (when == When.IF_DUE && registry.serving().isPresent()) {
      // Counting the labels since the last run reads only those: cheap enough to ask often.
      Baseline baseline = baseline();
      long fresh = parts.labels().countSince(baseline.offsets(), READ_TIMEOUT);
      Duration since = Duration.between(baseline.at(), clock.instant());
      if (!settings.policy().isDue(fresh, since)) {
        return outcome(Result.NOTHING_TO_DO, Optional.empty(), "not due: " + settings.policy().notDue(fresh, since),
            started);
      }
    }
    RetrainLock lock = registry.retrainLock(settings.lockStaleAfter());
    Optional<RetrainLock.Held> held = lock.tryAcquire(ManagementFactory.getRuntimeMXBean().getName());
    if (held.isEmpty()) {
      return outcome(Result.BUSY, Optional.empty(), "another retraining job holds " + registry.root()
          + "/retrain.lock: " + lock.describeHolder().orElse("(just released)"), started);
    }
    try (RetrainLock.Held mine = held.get()) {
      return runLocked(when, started);
    }
  }

  /** The live gate's verdict on the running canary, carried out under the lock. */
  private Outcome judgeCanary(long started) {
    ModelRegistry registry = parts.registry();
    RetrainLock lock = registry.retrainLock(settings.lockStaleAfter());
    Optional<RetrainLock.Held> held = lock.tryAcquire(ManagementFactory.getRuntimeMXBean().getName());
    if (held.isEmpty()) {
      return outcome(Result.BUSY, Optional.empty(), "another retraining job holds " + registry.root()
          + "/retrain.lock: " + lock.describeHolder().orElse("(just released)"), started);
    }
    try (RetrainLock.Held mine = held.get()) {
      Optional<RegisteredVersion> canary = registry.canary();
      Optional<RegisteredVersion> serving = registry.serving();
      if (canary.isEmpty() || serving.isEmpty()) {
        return outcome(Result.NOTHING_TO_DO, Optional.empty(), "no canary to judge", started);
      }
      Map<String, LiveGate.Labels> labels = liveLabels(parts.labels().read(Map.of(), READ_TIMEOUT).current().values());
      String c = canary.get().name().value();
      String s = serving.get().name().value();
      LiveGate.Decision d = live.orElseThrow().decide(c, labels.getOrDefault(c, new LiveGate.Labels(0, 0)), s,
          labels.getOrDefault(s, new LiveGate.Labels(0, 0)));
      switch (d.verdict()) {
        case PROMOTE -> {
          ModelRegistry.Promotion promotion = registry.promote(canary.get().name(), "canary promoted: " + d.reason());
          parts.publisher().publish(promotion.promoted());
          promotion.retired().ifPresent(parts.publisher()::publish);
          return outcome(Result.PROMOTED, Optional.of(promotion.promoted()), c + " promoted: " + d.reason(), started);
        }
        case ROLL_BACK -> {
          RegisteredVersion rejected = registry.reject(canary.get().name(), "canary rolled back: " + d.reason());
          parts.publisher().publish(rejected);
          return outcome(Result.REJECTED, Optional.of(rejected), c + " rolled back, " + s + " serves every question: "
              + d.reason(), started);
        }
        default -> {
          return new Outcome(Result.NOTHING_TO_DO, canary, c + " stays a canary: " + d.reason(),
              Duration.ofNanos(System.nanoTime() - started));
        }
      }
    }
  }

  /** Labelled answers and correct ones per model version, from the latest label of each question. */
  static Map<String, LiveGate.Labels> liveLabels(java.util.Collection<io.memreason.avro.TrainingExample> examples) {
    Map<String, long[]> sums = new TreeMap<>();
    for (io.memreason.avro.TrainingExample e : examples) {
      long[] sum = sums.computeIfAbsent(e.getModelVersion(), k -> new long[2]);
      sum[0]++;
      if (e.getVerdict() == io.memreason.avro.Verdict.CORRECT) {
        sum[1]++;
      }
    }
    Map<String, LiveGate.Labels> out = new TreeMap<>();
    sums.forEach((version, sum) -> out.put(version, new LiveGate.Labels(sum[0], sum[1])));
    return out;
  }

  private Outcome runLocked(When when, long started) throws InterruptedException {
    ModelRegistry registry = parts.registry();
    RegisteredVersion serving = registry.serving().orElseGet(this::importConfigured);
    Baseline baseline = baseline();
    LabelledTraceLog.Snapshot snapshot = parts.labels().read(baseline.offsets(), READ_TIMEOUT);
    List<LabelledTrace> traces = FeedbackTrainingSet.of(snapshot.current().values());
    Optional<String> idle = reasonNotToTrain(when, snapshot, Duration.between(baseline.at(), clock.instant()), traces);
    if (idle.isPresent()) {
      return outcome(Result.NOTHING_TO_DO, Optional.empty(), idle.get(), started);
    }
    RetrainingData data = new RetrainingData(traces, ReplaySample.draw(settings.replayData(), settings.replaySize(),
        settings.seed()));
    VersionName name = registry.nextName();
    log.info("retraining {} from {} on {} labelled traces and {} replayed items", name, serving.name(),
        data.traces().size(), data.replay().size());
    Map<String, Double> metrics = new TreeMap<>(Map.of(TRAIN_TRACES, (double) data.traces().size(),
        TRAIN_REPLAY, (double) data.replay().size()));
    Path staged = registry.stage();
    try {
      trainAndScore(serving, data, name, staged, metrics);
    } catch (RuntimeException e) {
      log.error("retraining {} failed: {}", name, e.getMessage(), e);
      registry.discard(staged);
      RegisteredVersion failed = registry.reject(register(registry.stage(), name, serving, metrics, snapshot).name(),
          "retraining failed: " + e.getMessage());
      parts.publisher().publish(failed);
      return outcome(Result.FAILED, Optional.of(failed), name + " failed, " + serving.name() + " keeps serving: "
          + e.getMessage(), started);
    } catch (InterruptedException e) {
      registry.discard(staged);
      throw e;
    }
    RegisteredVersion candidate = register(staged, name, serving, metrics, snapshot);
    parts.publisher().publish(candidate);
    Outcome outcome = promoteOrReject(candidate, serving, metrics, started);
    registry.prune().forEach(parts.publisher()::tombstone);
    return outcome;
  }

  /** Why this run does not train, if it does not. */
  private Optional<String> reasonNotToTrain(When when, LabelledTraceLog.Snapshot snapshot, Duration sinceLastRun,
                                            List<LabelledTrace> traces) {
    if (when == When.IF_DUE && !settings.policy().isDue(snapshot.newLabels(), sinceLastRun)) {
      return Optional.of("not due: " + settings.policy().notDue(snapshot.newLabels(), sinceLastRun));
    }
    if (when == When.IF_NEW_LABELS && snapshot.newLabels() == 0) {
      return Optional.of("no new labels since the last retraining");
    }
    if (traces.isEmpty()) {
      return Optional.of("nothing to learn: none of the " + snapshot.current().size()
          + " labelled answers is correct or corrected");
    }
    return Optional.empty();
  }

  /** Trains the candidate into {@code staged}, then scores it and the serving version; the figures go to metrics. */
  private void trainAndScore(RegisteredVersion serving, RetrainingData data, VersionName name, Path staged,
                             Map<String, Double> metrics) throws InterruptedException {
    long trainingStarted = System.nanoTime();
    parts.trainer().train(ModelSource.of(serving), data, staged);
    metrics.put(TRAIN_SECONDS, (System.nanoTime() - trainingStarted) / 1e9);
    metrics.put(Manifest.EVAL_ACCURACY, accuracy(new ModelSource(name.value(),
        Path.of(serving.manifest().baseModel()), Optional.of(staged))));
    metrics.put(SERVING_ACCURACY, accuracy(ModelSource.of(serving)));
    metrics.put(EVAL_ITEMS, (double) parts.evaluation().items().size());
  }

  private Outcome promoteOrReject(RegisteredVersion candidate, RegisteredVersion serving, Map<String, Double> metrics,
                                  long started) {
    VersionName name = candidate.name();
    PromotionGate.Decision decision = settings.gate().decide(metrics.get(Manifest.EVAL_ACCURACY),
        serving.name().value(), metrics.get(SERVING_ACCURACY));
    if (decision.promote() && live.isPresent()) {
      RegisteredVersion canary = parts.registry().canary(name, decision.reason() + "; a canary on live traffic until "
          + "the live gate decides");
      parts.publisher().publish(canary);
      return outcome(Result.CANARY, Optional.of(canary), name + " is a canary beside " + serving.name() + ": "
          + decision.reason() + trainedOn(metrics), started);
    }
    if (decision.promote()) {
      ModelRegistry.Promotion promotion = parts.registry().promote(name, decision.reason());
      parts.publisher().publish(promotion.promoted());
      promotion.retired().ifPresent(parts.publisher()::publish);
      return outcome(Result.PROMOTED, Optional.of(promotion.promoted()), name + " promoted: " + decision.reason()
          + trainedOn(metrics), started);
    }
    RegisteredVersion rejected = parts.registry().reject(name, decision.reason());
    parts.publisher().publish(rejected);
    return outcome(Result.REJECTED, Optional.of(rejected), name + " rejected, " + serving.name()
        + " keeps serving: " + decision.reason() + trainedOn(metrics), started);
  }

  private RegisteredVersion register(Path staged, VersionName name, RegisteredVersion parent,
                                     Map<String, Double> metrics, LabelledTraceLog.Snapshot snapshot) {
    return parts.registry().publish(staged, new ModelRegistry.Registration(name, Optional.of(parent.name()),
        parent.manifest().baseModel(), metrics, snapshot.endOffsets(), "trained from " + parent.name() + " on "
        + metrics.get(TRAIN_TRACES).intValue() + " labelled traces and " + metrics.get(TRAIN_REPLAY).intValue()
        + " replayed items"));
  }

  private RegisteredVersion importConfigured() {
    ModelSource configured = settings.configured().get();
    ModelRegistry.Promotion imported = parts.registry().importModel(configured);
    parts.publisher().publish(imported.promoted());
    log.info("the registry had no version: imported {} as {}", configured.version(), imported.promoted().name());
    return imported.promoted();
  }

  private double accuracy(ModelSource source) throws InterruptedException {
    try (Reasoner reasoner = parts.loader().load(source)) {
      EvaluationSet.Score score = parts.evaluation().score(reasoner, settings.maxNewTokens(),
          settings.evaluationTimeout());
      log.info("{} answers {} of {} evaluation questions right ({})", source.version(), score.correct(),
          score.total(), parts.evaluation().file());
      return score.accuracy();
    }
  }

  /** Where the last run stopped reading labels, and when it ran: from the newest registered version. */
  private record Baseline(Map<Integer, Long> offsets, Instant at) {}

  private Baseline baseline() {
    List<RegisteredVersion> all = parts.registry().versions();
    if (all.isEmpty()) {
      return new Baseline(Map.of(), Instant.EPOCH);
    }
    Manifest newest = all.get(all.size() - 1).manifest();
    return new Baseline(newest.examplesSnapshot(), newest.created());
  }

  private static String trainedOn(Map<String, Double> m) {
    return String.format(Locale.ROOT, " (trained on %d labelled traces and %d replayed items in %.0f s)",
        m.get(TRAIN_TRACES).intValue(), m.get(TRAIN_REPLAY).intValue(), m.get(TRAIN_SECONDS));
  }

  /** Closes the Kafka clients of its parts. */
  @Override
  public void close() {
    parts.close();
  }

  private Outcome outcome(Result result, Optional<RegisteredVersion> candidate, String message, long started) {
    Outcome o = new Outcome(result, candidate, message, Duration.ofNanos(System.nanoTime() - started));
    log.info("retraining: {}", message);
    return o;
  }
}
