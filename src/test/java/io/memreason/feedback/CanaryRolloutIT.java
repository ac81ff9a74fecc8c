package io.memreason.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.memreason.avro.Answer;
import io.memreason.config.MemreasonConfig;
import io.memreason.kafka.EmbeddedKafka;
import io.memreason.kafka.EmbeddedKafkaExtension;
import io.memreason.llm.adapter.LoraTarget;
import io.memreason.llm.model.LlamaConfig;
import io.memreason.llm.random.RandomAdapters;
import io.memreason.registry.CanaryRouting;
import io.memreason.registry.LiveGate;
import io.memreason.registry.ModelRegistry;
import io.memreason.registry.ModelVersionPublisher;
import io.memreason.registry.PromotionGate;
import io.memreason.registry.RegisteredVersion;
import io.memreason.registry.RetrainLock;
import io.memreason.registry.VersionName;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Canary rollout on the default model and the atlas world, with a labeller that knows the atlas truth labelling every
 * answer: version 2, trained on the corrections of version 1's answers about held-out facts, passes the offline gate
 * and becomes a canary answering 20 % of the questions (by question id); once it has enough labelled canary answers
 * the live gate promotes it, with no pause in answering. Then a deliberately bad candidate (random LoRA factors) is
 * started as a canary and rolled back by the live gate. The serving process runs apart and is killed without warning
 * once during the first canary, and started again. Every question is answered exactly once, each step once.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class CanaryRolloutIT {
  private static final Duration TIMEOUT = Duration.ofMinutes(6);
  private static final double SHARE = 0.2;
  private static final int MIN_LABELS = 10;
  /** Canary answers published when the serving process is killed: fewer than the live gate's minimum. */
  private static final int KILL_AFTER = 3;

  @TempDir
  Path dir;

  @Test
  void aCandidateEarnsItsPromotionAsACanaryAndABadOneIsRolledBack(EmbeddedKafka kafka) throws Exception {
    AtlasLearningWorld world = new AtlasLearningWorld(dir, MemreasonConfig.defaults().model().cacheDir());
    List<LearningWorld.GoldQuestion> teaching = world.teaching();
    Map<String, String> keys = new HashMap<>(world.configuration());
    keys.put("serving.canary", String.valueOf(SHARE));
    keys.put("registry.live-min-labels", String.valueOf(MIN_LABELS));
    MemreasonConfig config = LearningFixture.config(kafka.bootstrapServers(), "canary", dir.resolve("registry"), keys);
    ModelRegistry registry = new ModelRegistry(dir.resolve("registry"), 5, Clock.systemUTC());
    try (ModelVersionPublisher publisher = new ModelVersionPublisher(config)) {
      publisher.publish(registry.importModel(world.firstVersion()).promoted());
    }
    LiveGate gate = new LiveGate(MIN_LABELS, 0.95);
    Map<String, LearningWorld.GoldQuestion> asked = new ConcurrentHashMap<>();
    List<Answer> answers = new CopyOnWriteArrayList<>();
    BlockingQueue<RetrainJob.Outcome> runs = new LinkedBlockingQueue<>();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    Path model = world.firstVersion().baseModel();
    Path log = Path.of("target", "it-state", config.kafka().applicationId() + "-serving");
    ServingProcess serving = ServingProcess.start(config, model, log.resolveSibling(log.getFileName() + "-run0.log"));
    try (FeedbackAggregator aggregator = FeedbackAggregator.start(config, meters);
         ContinuousLearningScenario.Asker asker = new ContinuousLearningScenario.Asker(config, asked);
         ContinuousLearningScenario.LiveLabeller labeller =
             new ContinuousLearningScenario.LiveLabeller(config, asked, answers, world, true)) {
      serving.awaitVersions("v1", "none", 0, TIMEOUT);
      String v2;
      Instant promotedAt;
      Instant restartedAt;
      AtomicBoolean flowing = new AtomicBoolean(true);
      AtomicInteger round = new AtomicInteger();
      Thread traffic = new Thread(() -> {
        List<LearningWorld.GoldQuestion> checks = world.checks();
        while (flowing.get()) {
          int r = round.getAndIncrement();
          try {
            asker.ask("check-" + r, checks.get(r % checks.size()));
          } catch (IllegalStateException closed) {
            return; // the test failed and closed the producer
          }
          try {
            Thread.sleep(100);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "check-traffic");
      try (RetrainTrigger trigger = new RetrainTrigger(job(config, registry, world, teaching.size()).withLiveGate(gate),
          Duration.ofMillis(500), runs::add).start()) {
        for (int i = 0; i < teaching.size(); i++) {
          asker.ask("teach-" + i, teaching.get(i));
        }
        RetrainJob.Outcome canary = next(runs, "the retraining of version 2");
        assertEquals(RetrainJob.Result.CANARY, canary.result(), canary.message());
        v2 = canary.candidate().orElseThrow().name().value();
        serving.awaitVersions("v1", v2, SHARE, TIMEOUT);
        traffic.start();

        // kill -9 of the serving process during the canary, while questions are in generation (10 a second), long
        // before the canary has the labels for a verdict; restarted, it runs the canary before its first question.
        awaitCondition(() -> answers.stream().filter(a -> a.getModelVersion().equals(v2)).count() >= KILL_AFTER,
            KILL_AFTER + " answers of the canary");
        serving.kill();
        System.out.printf("CanaryRolloutIT: serving process killed during the canary with %d of %d questions"
            + " answered%n", answers.size(), asked.size());
        Instant killedAt = Instant.now();
        serving = ServingProcess.start(config, model, log.resolveSibling(log.getFileName() + "-run1.log"));
        serving.awaitVersions("v1", v2, SHARE, TIMEOUT);
        restartedAt = Instant.now();
        System.out.printf("CanaryRolloutIT: serving again %d ms after the kill%n",
            Duration.between(killedAt, restartedAt).toMillis());
        RetrainJob.Outcome promotion = next(runs, "the live gate's verdict on " + v2);
        promotedAt = Instant.now();
        assertEquals(RetrainJob.Result.PROMOTED, promotion.result(), promotion.message());
        assertTrue(promotion.message().contains("not below v1"), promotion.message());
        System.out.println("CanaryRolloutIT: " + canary.message() + "; then " + promotion.message());
      }
      serving.awaitVersions(v2, "none", 0, TIMEOUT);
      // While v2 was a canary, exactly the questions its hash routes to it were answered by it.
      CanaryRouting routing = new CanaryRouting(SHARE);
      List<Answer> duringCanary = answers.stream().filter(a -> a.getQuestionId().startsWith("check-")
          && a.getAnsweredAt().isBefore(promotedAt.minusSeconds(2))).toList();
      long byCanary = duringCanary.stream().filter(a -> a.getModelVersion().equals(v2)).count();
      for (Answer a : duringCanary) {
        assertEquals(routing.toCanary(a.getQuestionId()) ? v2 : "v1", a.getModelVersion(), a.getQuestionId());
      }
      System.out.printf("CanaryRolloutIT: %d of %d check answers during the canary by %s (share %.2f)%n", byCanary,
          duringCanary.size(), v2, byCanary / (double) duringCanary.size());
      double share = byCanary / (double) duringCanary.size();
      assertTrue(share > 0.05 && share < 0.4, "the canary's share of the answers: " + share);
      awaitCondition(() -> answers.stream().anyMatch(a -> a.getModelVersion().equals(v2)
          && a.getAnsweredAt().isAfter(promotedAt.plusSeconds(3))), "answers of " + v2 + " after its promotion");
      Instant from = promotedAt.minusSeconds(5).isAfter(restartedAt) ? promotedAt.minusSeconds(5) : restartedAt;
      Duration pause = longestPause(answers, from, promotedAt.plusSeconds(3));
      assertTrue(pause.compareTo(Duration.ofSeconds(2)) < 0, "the stream kept answering through the promotion: " + pause);

      // A deliberately bad candidate: random LoRA factors on every projection.
      String v3 = registerBadCanary(config, registry, world, v2);
      serving.awaitVersions(v2, v3, SHARE, TIMEOUT);
      try (RetrainTrigger judge = new RetrainTrigger(job(config, registry, world, 1_000_000).withLiveGate(gate),
          Duration.ofMillis(500), runs::add).start()) {
        RetrainJob.Outcome rollback = next(runs, "the live gate's verdict on " + v3);
        assertEquals(RetrainJob.Result.REJECTED, rollback.result(), rollback.message());
        assertTrue(rollback.message().contains("below " + v2), rollback.message());
        System.out.println("CanaryRolloutIT: " + rollback.message());
      }
      serving.awaitVersions(v2, "none", 0, TIMEOUT);
      flowing.set(false);
      traffic.join();
      awaitCondition(() -> answers.size() >= asked.size(), "every question answered");
    } finally {
      serving.close();
    }
    ContinuousLearningScenario.assertEachAnsweredOnceWithEachStepOnce(config, asked.keySet());
  }

  private static RetrainJob job(MemreasonConfig config, ModelRegistry registry, AtlasLearningWorld world,
                                int afterExamples) {
    return new RetrainJob(new RetrainJob.Parts(registry, new ModelVersionPublisher(config),
        new LabelledTraceLog(config), world.trainer(), world.loader(),
        EvaluationSet.read(world.evaluationSet(), world.task())), new RetrainJob.Settings(
        new RetrainPolicy(afterExamples, 0), new PromotionGate(config.registry().promotionTolerance()),
        world::firstVersion, world.replayData(), config.retrain().replaySize(), 42, config.engine().maxNewTokens(),
        TIMEOUT, Duration.ofMinutes(5)), Clock.systemUTC());
  }

  /** Registers a version of random LoRA factors over the same base and announces it as a canary. */
  private static String registerBadCanary(MemreasonConfig config, ModelRegistry registry, AtlasLearningWorld world,
                                          String parent) {
    Path base = world.firstVersion().baseModel();
    try (RetrainLock.Held held = registry.retrainLock(Duration.ofMinutes(5)).tryAcquire("CanaryRolloutIT").orElseThrow();
         NDManager m = NDManager.newBaseManager();
         ModelVersionPublisher publisher = new ModelVersionPublisher(config)) {
      Path staged = registry.stage();
      RandomAdapters.lora(LlamaConfig.read(base), EnumSet.allOf(LoraTarget.class), 8, 16, 99, 0.5, m)
          .write(staged, base.toString());
      VersionName name = registry.nextName();
      RegisteredVersion v = registry.publish(staged, new ModelRegistry.Registration(name,
          Optional.of(new VersionName(parent)), base.toAbsolutePath().toString(), Map.of(), Map.of(),
          "random LoRA factors: a deliberately bad candidate"));
      publisher.publish(registry.canary(v.name(), "a deliberately bad candidate, tried as a canary"));
      return name.value();
    }
  }

  private static RetrainJob.Outcome next(BlockingQueue<RetrainJob.Outcome> runs, String what)
      throws InterruptedException {
    RetrainJob.Outcome o = runs.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    if (o == null) {
      throw new AssertionError("timed out waiting for " + what);
    }
    return o;
  }

  private static Duration longestPause(List<Answer> answers, Instant from, Instant to) {
    List<Instant> times = new ArrayList<>(answers.stream().map(Answer::getAnsweredAt)
        .filter(t -> !t.isBefore(from) && !t.isAfter(to)).sorted().toList());
    Duration longest = Duration.ZERO;
    for (int i = 1; i < times.size(); i++) {
      Duration gap = Duration.between(times.get(i - 1), times.get(i));
      longest = gap.compareTo(longest) > 0 ? gap : longest;
    }
    return longest;
  }

  private static void awaitCondition(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + TIMEOUT.toSeconds() + " s waiting for " + what);
      }
      Thread.sleep(100);
    }
  }
}
