package io.memreason.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Every setting of memreason, typed, in one tree. Built from {@link Settings}; see config/memreason.properties
 * for what each key means.
 */
public record MemreasonConfig(
    Kafka kafka, Topics topics, Pipeline pipeline, Model model, Engine engine, Web web, Settings settings) {

  /**
   * Kafka connection and the properties passed verbatim to clients ({@code kafka.*}), to Streams
   * ({@code streams.*}) and to the schema registry's serdes ({@code apicurio.*}, keys kept whole).
   */
  public record Kafka(String bootstrapServers, Map<String, String> clientProperties,
                      Map<String, String> streamsProperties, String applicationId, String serdeFormat,
                      String registryUrl, Map<String, String> registryProperties) {}

  /** Topic names, and the shape used when memreason creates them. */
  public record Topics(String questions, String memorySteps, String reasonSteps, String answers, String feedback,
                       String trainingExamples, String modelVersions, String deadLetters, String feedbackStats,
                       int partitions, short replicationFactor, boolean create) {}

  /** The inference processor. */
  public record Pipeline(long punctuateIntervalMs, int maxQuestionChars, long answerTimeoutMs) {}

  /** Which model to serve. An empty {@code dir} means the locally built default model. */
  public record Model(Optional<Path> dir, Optional<Path> adapter, Path cacheDir, String version) {}

  /** The generation engine: replicas, batching, limits and default decoding. */
  public record Engine(String device, int workers, int maxBatch, int queueCapacity, int maxNewTokens,
                       int maxTotalTokens, float temperature, float topP, int topK) {}

  /**
   * The HTTP server of the page, the API, /metrics and /health.
   *
   * @param recentQuestions how many of the latest questions the live page keeps and shows to a newly opened page
   */
  public record Web(String host, int port, int recentQuestions) {}

  public static MemreasonConfig defaults() {
    return from(Settings.defaults());
  }

  /** Defaults, then the optional file, then the environment, then explicit overrides. */
  public static MemreasonConfig load(Optional<Path> file, Map<String, String> env, Map<String, String> overrides) {
    Settings s = Settings.defaults();
    if (file.isPresent()) {
      s = s.withFile(file.get());
    }
    return from(s.withEnvironment(env).with(overrides));
  }

  /** This configuration with some keys replaced, e.g. the bootstrap servers of an embedded broker. */
  public MemreasonConfig with(Map<String, String> overrides) {
    return from(settings.with(overrides));
  }

  public static MemreasonConfig from(Settings s) {
    Map<String, String> client = s.prefixed("kafka.");
    Map<String, String> streams = s.prefixed("streams.");
    Kafka kafka = new Kafka(s.string("kafka.bootstrap.servers"), client, streams,
        s.string("streams.application.id"), oneOf(s, "serde.format", "soe", "registry"), s.string("serde.registry.url"),
        withPrefix("apicurio.", s.prefixed("apicurio.")));
    Topics topics = new Topics(s.string("topics.questions"), s.string("topics.memory-steps"),
        s.string("topics.reason-steps"), s.string("topics.answers"), s.string("topics.feedback"),
        s.string("topics.training-examples"), s.string("topics.model-versions"), s.string("topics.dead-letters"),
        s.string("topics.feedback-stats"),
        positive(s, "topics.partitions"), (short) positive(s, "topics.replication-factor"), s.bool("topics.create"));
    Pipeline pipeline = new Pipeline(positive(s, "pipeline.punctuate-interval-ms"),
        positive(s, "pipeline.max-question-chars"), positive(s, "pipeline.answer-timeout-ms"));
    Model model = new Model(optionalPath(s, "model.dir"), optionalPath(s, "model.adapter"),
        Path.of(s.string("model.cache-dir")), s.string("model.version"));
    Engine engine = new Engine(oneOf(s, "engine.device", "auto", "cpu", "gpu"), positive(s, "engine.workers"),
        positive(s, "engine.max-batch"), positive(s, "engine.queue-capacity"), positive(s, "engine.max-new-tokens"),
        positive(s, "engine.max-total-tokens"), (float) s.decimal("engine.temperature"),
        (float) s.decimal("engine.top-p"), s.integer("engine.top-k"));
    Web web = new Web(s.string("web.host"), s.integer("web.port"), positive(s, "web.recent-questions"));
    return new MemreasonConfig(kafka, topics, pipeline, model, engine, web, s);
  }

  private static Map<String, String> withPrefix(String prefix, Map<String, String> keys) {
    Map<String, String> out = new TreeMap<>();
    keys.forEach((k, v) -> out.put(prefix + k, v));
    return out;
  }

  private static int positive(Settings s, String key) {
    int v = s.integer(key);
    if (v <= 0) {
      throw new ConfigException(key + " must be positive, not " + v);
    }
    return v;
  }

  private static String oneOf(Settings s, String key, String... allowed) {
    String v = s.string(key);
    for (String a : allowed) {
      if (a.equals(v)) {
        return v;
      }
    }
    throw new ConfigException(key + " must be one of " + String.join(", ", allowed) + ", not '" + v + "'");
  }

  private static Optional<Path> optionalPath(Settings s, String key) {
    String v = s.string(key);
    return v.isEmpty() ? Optional.empty() : Optional.of(Path.of(v));
  }
}
