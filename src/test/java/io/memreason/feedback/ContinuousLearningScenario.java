package io.memreason.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.memreason.avro.Answer;
import io.memreason.avro.Feedback;
import io.memreason.avro.ModelAccuracy;
import io.memreason.avro.Question;
import io.memreason.avro.ReasoningStep;
import io.memreason.config.MemreasonConfig;
import io.memreason.kafka.ClientProperties;
import io.memreason.pipeline.InferencePipeline;
import io.memreason.pipeline.serde.AvroSerdes;
import io.memreason.registry.ModelRegistry;
import io.memreason.registry.ModelVersionPublisher;
import io.memreason.registry.PromotionGate;
import io.memreason.registry.ServingModel;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The learning loop end to end on a real broker, in any {@link LearningWorld}: version 1 serves; questions about
 * held-out facts are answered (wrongly) and a scripted labeller corrects them; the feedback aggregator turns the
 * labels into training examples; the in-process trigger retrains; version 2 is promoted and swapped in while check
 * questions keep flowing; the teaching questions are asked again and labelled, so the aggregator's live accuracy has
 * both versions. Returns the figures; asserts that every question was answered exactly once, each step published once.
 */
final class ContinuousLearningScenario {

  /**
   * What the run measured.
   *
   * @param checksByVersion per version, [correct, answered] check questions
   * @param liveAccuracy the aggregator's figures per version at the end
   * @param retrain the retraining run that promoted version 2
   * @param swapPause the longest time without an answer from the promotion to 2 s after the first answer of version 2
   * @param medianGap the median time between consecutive answers over the whole run, for comparison
   * @param answers every answer, in the order they were committed
   */
  record Figures(Map<String, int[]> checksByVersion, Map<String, ModelAccuracy> liveAccuracy,
                 RetrainJob.Outcome retrain, Duration swapPause, Duration medianGap, int questions,
                 List<Answer> answers) {

    double checkAccuracy(String version) {
      int[] c = checksByVersion.getOrDefault(version, new int[2]);
      return c[1] == 0 ? Double.NaN : (double) c[0] / c[1];
    }

    String describe() {
      StringBuilder s = new StringBuilder();
      checksByVersion.forEach((v, c) -> s.append(String.format(Locale.ROOT, "checks on held-out facts %s: %d/%d = %.3f; ",
          v, c[0], c[1], (double) c[0] / c[1])));
      liveAccuracy.forEach((v, a) -> s.append(String.format(Locale.ROOT, "live accuracy %s: %d/%d (memory steps wrong"
          + " %d/%d, reason steps wrong %d/%d); ", v, a.getCorrect(), a.getLabelled(), a.getMemoryStepsWrong(),
          a.getMemoryStepsJudged(), a.getReasonStepsWrong(), a.getReasonStepsJudged())));
      return s + String.format(Locale.ROOT, "retraining %.1f s (%s); swap pause %d ms (median gap between answers %d ms);"
          + " %d questions each answered once", retrain.took().toMillis() / 1000.0, retrain.message(),
          swapPause.toMillis(), medianGap.toMillis(), questions);
    }
  }

  private final LearningWorld world;
  private final Path dir;
  private final Duration trafficInterval;
  private final Duration timeout;

  ContinuousLearningScenario(LearningWorld world, Path dir, Duration trafficInterval, Duration timeout) {
    this.world = world;
    this.dir = dir;
    this.trafficInterval = trafficInterval;
    this.timeout = timeout;
  }

  Figures run(String bootstrap) throws Exception {
    List<LearningWorld.GoldQuestion> teaching = world.teaching();
    Map<String, String> keys = new HashMap<>(world.configuration());
    keys.put("retrain.after-examples", String.valueOf(teaching.size()));
    keys.put("retrain.check-interval-ms", "500");
    MemreasonConfig config = LearningFixture.config(bootstrap, "learning", dir.resolve("registry"), keys);
    ModelRegistry registry = new ModelRegistry(dir.resolve("registry"), 5, Clock.systemUTC());
    try (ModelVersionPublisher publisher = new ModelVersionPublisher(config)) {
      publisher.publish(registry.importModel(world.firstVersion()).promoted());
    }
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    BlockingQueue<RetrainJob.Outcome> runs = new LinkedBlockingQueue<>();
    Map<String, LearningWorld.GoldQuestion> asked = new ConcurrentHashMap<>();
    List<Answer> answers = new CopyOnWriteArrayList<>();
    Instant promotedAt;
    RetrainJob.Outcome promotion;
    try (ServingModel serving = ServingModel.start(config, registry, world.loader(), world.firstVersion(), meters);
         InferencePipeline pipeline = InferencePipeline.start(config, serving, meters);
         FeedbackAggregator aggregator = FeedbackAggregator.start(config, meters);
         Asker asker = new Asker(config, asked);
         LiveLabeller labeller = new LiveLabeller(config, asked, answers, world)) {
      pipeline.awaitRunning(timeout);
      RetrainJob job = new RetrainJob(new RetrainJob.Parts(registry, new ModelVersionPublisher(config),
          new LabelledTraceLog(config), world.trainer(), world.loader(),
          EvaluationSet.read(world.evaluationSet(), world.task())), new RetrainJob.Settings(
          new RetrainPolicy(config.retrain().afterExamples(), 0),
          new PromotionGate(config.registry().promotionTolerance()), world::firstVersion,
          world.replayData(), config.retrain().replaySize(), 42, config.engine().maxNewTokens(), timeout,
          Duration.ofMinutes(5)), Clock.systemUTC());
      try (RetrainTrigger trigger = new RetrainTrigger(job, Duration.ofMillis(500), runs::add).start()) {
        for (int i = 0; i < teaching.size(); i++) {
          asker.ask("teach-" + i, teaching.get(i));
        }
        AtomicBoolean flowing = new AtomicBoolean(true);
        Thread traffic = new Thread(() -> {
          for (int round = 0; flowing.get(); round++) {
            List<LearningWorld.GoldQuestion> checks = world.checks();
            asker.ask("check-" + round, checks.get(round % checks.size()));
            try {
              Thread.sleep(trafficInterval.toMillis());
            } catch (InterruptedException e) {
              return;
            }
          }
        }, "check-traffic");
        traffic.start();
        promotion = runs.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(promotion, "no retraining ran within " + timeout);
        assertEquals(RetrainJob.Result.PROMOTED, promotion.result(), promotion.message());
        promotedAt = Instant.now();
        String v2 = promotion.candidate().orElseThrow().name().value();
        // Every check question once more, now answered by the new version, while the traffic goes on.
        awaitCondition(() -> answers.stream().filter(a -> a.getModelVersion().equals(v2)
            && a.getQuestionId().startsWith("check-")).map(a -> asked.get(a.getQuestionId()).text()).distinct()
            .count() >= world.checks().stream().map(LearningWorld.GoldQuestion::text).distinct().count(),
            "every check question answered by " + v2);
        flowing.set(false);
        traffic.join();
        awaitCondition(() -> answers.size() >= asked.size(), "every question answered");
      }
      for (int i = 0; i < teaching.size(); i++) {
        asker.ask("reteach-" + i, teaching.get(i));
      }
      String v2 = promotion.candidate().orElseThrow().name().value();
      awaitCondition(() -> answers.size() >= asked.size(), "the teaching questions answered again");
      awaitCondition(() -> java.util.Optional.ofNullable(liveAccuracy(config).get(v2)).map(ModelAccuracy::getLabelled)
          .orElse(0L) >= teaching.size(), "the labels of " + v2 + " in the live accuracy");
    }
    assertEachAnsweredOnceWithEachStepOnce(config, asked.keySet());
    String promoted = promotion.candidate().orElseThrow().name().value();
    return new Figures(checksByVersion(answers, asked), liveAccuracy(config), promotion,
        swapPause(answers, promoted, promotedAt), medianGap(answers), asked.size(), List.copyOf(answers));
  }

  private Map<String, int[]> checksByVersion(List<Answer> answers, Map<String, LearningWorld.GoldQuestion> asked) {
    Map<String, int[]> byVersion = new java.util.TreeMap<>();
    for (Answer a : answers) {
      if (a.getQuestionId().startsWith("check-")) {
        int[] c = byVersion.computeIfAbsent(a.getModelVersion(), v -> new int[2]);
        c[0] += world.isCorrect(a, asked.get(a.getQuestionId())) ? 1 : 0;
        c[1]++;
      }
    }
    return byVersion;
  }

  private static Map<String, ModelAccuracy> liveAccuracy(MemreasonConfig config) {
    Map<String, ModelAccuracy> latest = new java.util.TreeMap<>();
    LearningFixture.readAll(config, config.topics().feedbackStats(), ModelAccuracy.class)
        .forEach(r -> latest.put(r.key(), r.value()));
    return latest;
  }

  /**
   * The longest stretch without an answer from a second before the promotion was reported until two seconds after
   * the new version's first answer.
   */
  private static Duration swapPause(List<Answer> answers, String newVersion, Instant promotedAt) {
    List<Instant> times = answers.stream().map(Answer::getAnsweredAt).sorted().toList();
    Instant firstNew = answers.stream().filter(a -> a.getModelVersion().equals(newVersion))
        .map(Answer::getAnsweredAt).min(Comparator.naturalOrder()).orElse(promotedAt);
    Instant from = promotedAt.minusSeconds(1);
    Instant to = firstNew.plusSeconds(2);
    Duration longest = Duration.ZERO;
    Instant previous = null;
    for (Instant t : times) {
      if (previous != null && !t.isBefore(from) && !previous.isAfter(to)) {
        Duration gap = Duration.between(previous, t);
        longest = gap.compareTo(longest) > 0 ? gap : longest;
      }
      previous = t;
    }
    return longest;
  }

  private static Duration medianGap(List<Answer> answers) {
    List<Instant> times = answers.stream().map(Answer::getAnsweredAt).sorted().toList();
    List<Duration> gaps = new ArrayList<>();
    for (int i = 1; i < times.size(); i++) {
      gaps.add(Duration.between(times.get(i - 1), times.get(i)));
    }
    gaps.sort(Comparator.naturalOrder());
    return gaps.isEmpty() ? Duration.ZERO : gaps.get(gaps.size() / 2);
  }

  /** Each question has one answer, and each step of its trace was published once, as the answer has it. */
  static void assertEachAnsweredOnceWithEachStepOnce(MemreasonConfig config, java.util.Set<String> ids) {
    MemreasonConfig.Topics t = config.topics();
    Map<String, Answer> byId = new HashMap<>();
    for (ConsumerRecord<String, Answer> r : LearningFixture.readAll(config, t.answers(), Answer.class)) {
      assertNull(byId.put(r.key(), r.value()), "answered twice: " + r.key());
    }
    assertEquals(ids, byId.keySet(), "the answered questions are the asked ones");
    Map<String, ReasoningStep> steps = new HashMap<>();
    for (String topic : List.of(t.memorySteps(), t.reasonSteps())) {
      for (ConsumerRecord<String, ReasoningStep> r : LearningFixture.readAll(config, topic, ReasoningStep.class)) {
        assertNull(steps.put(r.key() + "#" + r.value().getIndex(), r.value()), "published twice: " + r.value());
      }
    }
    int traced = 0;
    for (Answer a : byId.values()) {
      for (ReasoningStep s : a.getSteps()) {
        ReasoningStep published = steps.get(a.getQuestionId() + "#" + s.getIndex());
        assertNotNull(published, "step " + s.getIndex() + " of " + a.getQuestionId() + " was never published");
        assertEquals(s.getText(), published.getText());
        traced++;
      }
    }
    assertEquals(traced, steps.size(), "steps published beyond the answers' traces");
  }

  private void awaitCondition(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
      }
      Thread.sleep(100);
    }
  }

  /** Produces questions and remembers their true answers. */
  static final class Asker implements AutoCloseable {
    private final KafkaProducer<byte[], byte[]> producer;
    private final Serializer<Question> serializer;
    private final String topic;
    private final Map<String, LearningWorld.GoldQuestion> asked;
    private final io.memreason.avro.Task task = io.memreason.avro.Task.ATLAS;

    Asker(MemreasonConfig config, Map<String, LearningWorld.GoldQuestion> asked) {
      this.producer = new KafkaProducer<>(ClientProperties.producer(config));
      this.serializer = AvroSerdes.forConfig(config.kafka()).serde(Question.class).serializer();
      this.topic = config.topics().questions();
      this.asked = asked;
    }

    void ask(String id, LearningWorld.GoldQuestion q) {
      asked.put(id, q);
      Question question = Question.newBuilder().setId(id).setText(q.text()).setTask(task)
          .setSubmittedAt(Instant.now()).build();
      producer.send(new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8), serializer.serialize(topic, question)));
      producer.flush();
    }

    @Override
    public void close() {
      producer.close();
    }
  }

  /**
   * Follows the answers as they are committed and labels those of the teaching questions (or every answer), as a
   * person would.
   */
  static final class LiveLabeller implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    LiveLabeller(MemreasonConfig config, Map<String, LearningWorld.GoldQuestion> asked, List<Answer> answers,
                 LearningWorld world) {
      this(config, asked, answers, world, false);
    }

    LiveLabeller(MemreasonConfig config, Map<String, LearningWorld.GoldQuestion> asked, List<Answer> answers,
                 LearningWorld world, boolean labelEveryAnswer) {
      AvroSerdes serdes = AvroSerdes.forConfig(config.kafka());
      Deserializer<Answer> answerReader = serdes.serde(Answer.class).deserializer();
      Serializer<Feedback> labelWriter = serdes.serde(Feedback.class).serializer();
      String answersTopic = config.topics().answers();
      String feedbackTopic = config.topics().feedback();
      KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(ClientProperties.readCommittedConsumer(config));
      KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(ClientProperties.producer(config));
      List<TopicPartition> partitions = consumer.partitionsFor(answersTopic).stream()
          .map(p -> new TopicPartition(answersTopic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      thread = new Thread(() -> {
        try (consumer; producer) {
          while (running.get()) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
              Answer a = answerReader.deserialize(answersTopic, r.value());
              answers.add(a);
              if (labelEveryAnswer || !a.getQuestionId().startsWith("check-")) {
                producer.send(new ProducerRecord<>(feedbackTopic, r.key(),
                    labelWriter.serialize(feedbackTopic, world.label(a, asked.get(a.getQuestionId())))));
              }
            }
          }
        }
      }, "scripted-labeller");
      thread.start();
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      thread.join();
    }
  }
}
