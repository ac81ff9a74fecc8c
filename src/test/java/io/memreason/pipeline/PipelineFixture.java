package io.memreason.pipeline;

import io.memreason.avro.GivenStep;
import io.memreason.avro.Question;
import io.memreason.avro.RevisedStep;
import io.memreason.avro.Task;
import io.memreason.config.MemreasonConfig;
import io.memreason.kafka.ClientProperties;
import io.memreason.kafka.TopicCreator;
import io.memreason.pipeline.serde.AvroSerdes;
import io.memreason.reasoning.Reasoner;
import io.memreason.registry.LlmVersionLoader;
import io.memreason.registry.ModelSource;
import io.memreason.training.DefaultModel;
import io.memreason.training.TrainingProgress;
import io.memreason.training.atlas.AtlasQuestion;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * What the pipeline's integration tests share: the model they run on (memreason's default model on the real engine,
 * built into the model cache the first time), their configuration, their input (the atlas questions it knows).
 */
public final class PipelineFixture {
  /** The default model's sequences are short: prompt plus generation stay within the positions it was built for. */
  public static final Map<String, String> DEFAULT_MODEL_ENGINE = Map.of("engine.max-total-tokens", "256",
      "engine.max-new-tokens", "128", "engine.device", "cpu");

  private PipelineFixture() {}

  /** The model behind the pipeline in the integration tests: the default model, greedy, on the CPU. */
  public static Reasoner reasoner() {
    return reasoner(MemreasonConfig.defaults().with(DEFAULT_MODEL_ENGINE));
  }

  /** The same, its engine's meters on {@code meters}. */
  static Reasoner reasoner(MeterRegistry meters) {
    return new LlmVersionLoader(MemreasonConfig.defaults().with(DEFAULT_MODEL_ENGINE).engine(), meters)
        .load(new ModelSource("default-model", defaultModel(), Optional.empty()));
  }

  /** The default model on the engine {@code config} describes (workers, batch size, limits). */
  static Reasoner reasoner(MemreasonConfig config) {
    return new LlmVersionLoader(config.engine(), new SimpleMeterRegistry())
        .load(new ModelSource("default-model", defaultModel(), Optional.empty()));
  }

  /** Loads model versions on the default model's engine settings (a version's folder is its adapter, if any). */
  public static LlmVersionLoader defaultModelLoader() {
    return new LlmVersionLoader(MemreasonConfig.defaults().with(DEFAULT_MODEL_ENGINE).engine(),
        new SimpleMeterRegistry());
  }

  /** The default model's folder in the model cache, built there first if the cache has none (a few minutes). */
  public static Path defaultModel() {
    try (TrainingProgress progress = TrainingProgress.logLines(Duration.ofSeconds(30))) {
      return DefaultModel.ensure(MemreasonConfig.defaults().model().cacheDir(), DefaultModel.defaultRecipe(), progress);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while building the default model", e);
    }
  }

  /** A configuration of its own for one test: topics, application id and state directory nobody else uses. */
  public static MemreasonConfig config(String bootstrap, String name) {
    String unique = name + "-" + UUID.randomUUID().toString().substring(0, 8);
    return configNamed(bootstrap, unique);
  }

  /** The same configuration again, e.g. for a restarted process. */
  public static MemreasonConfig configNamed(String bootstrap, String unique) {
    Path stateDir = Path.of("target", "it-state", unique).toAbsolutePath();
    return MemreasonConfig.defaults().with(Map.ofEntries(
        Map.entry("kafka.bootstrap.servers", bootstrap),
        Map.entry("streams.application.id", unique),
        Map.entry("streams.state.dir", stateDir.toString()),
        Map.entry("topics.questions", unique + ".questions"),
        Map.entry("topics.memory-steps", unique + ".steps.memory"),
        Map.entry("topics.reason-steps", unique + ".steps.reason"),
        Map.entry("topics.answers", unique + ".answers"),
        Map.entry("topics.feedback", unique + ".feedback"),
        Map.entry("topics.training-examples", unique + ".training-examples"),
        Map.entry("topics.model-versions", unique + ".model-versions"),
        Map.entry("topics.dead-letters", unique + ".dead-letters"),
        Map.entry("topics.feedback-stats", unique + ".feedback-stats"),
        Map.entry("topics.knowledge", unique + ".knowledge"),
        Map.entry("topics.shadow-answers", unique + ".shadow-answers"),
        Map.entry("topics.partitions", "3"),
        Map.entry("pipeline.max-question-chars", "200")))
        .with(DEFAULT_MODEL_ENGINE);
  }

  /** The configuration, once its topics exist. */
  public static MemreasonConfig withTopics(MemreasonConfig config) {
    TopicCreator.createMissing(config);
    return config;
  }

  /**
   * {@code count} questions with ids {@code prefix0, prefix1, ...}: the atlas test questions in turn, one-hop lookups
   * (one memory step) and questions whose memory steps a reason step combines.
   */
  static List<Question> questions(String idPrefix, int count) {
    List<AtlasQuestion> atlas = DefaultModel.defaultRecipe().dataset().test();
    return IntStream.range(0, count).mapToObj(i -> question(idPrefix + i, atlas.get(i % atlas.size()).question()))
        .toList();
  }

  static Question question(String id, String text) {
    return Question.newBuilder().setId(id).setText(text).setTask(Task.ATLAS).setSubmittedAt(Instant.now()).build();
  }

  /** An atlas question that starts with given steps and, as a revision, names the step of another it corrects. */
  static Question revision(String id, String text, List<GivenStep> given, RevisedStep revises) {
    return Question.newBuilder().setId(id).setText(text).setTask(Task.ATLAS).setSubmittedAt(Instant.now())
        .setGivenSteps(given).setRevises(revises).build();
  }

  /** Produces questions, keyed by id, and raw records as they are. */
  static void produce(MemreasonConfig config, List<Question> questions, List<byte[][]> rawRecords) {
    var serializer = AvroSerdes.forConfig(config.kafka()).serde(Question.class).serializer();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(ClientProperties.producer(config))) {
      for (Question q : questions) {
        producer.send(new ProducerRecord<>(config.topics().questions(), q.getId().getBytes(StandardCharsets.UTF_8),
            serializer.serialize(config.topics().questions(), q)));
      }
      for (byte[][] kv : rawRecords) {
        producer.send(new ProducerRecord<>(config.topics().questions(), kv[0], kv[1]));
      }
      producer.flush();
    }
  }
}
