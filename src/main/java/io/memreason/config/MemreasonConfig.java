package io.memreason.config;

import io.memreason.hub.HubSettings;
import io.memreason.hub.ModelLocation;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Every setting of memreason, typed, in one tree. Built from {@link Settings}; see config/memreason.properties
 * for what each key means.
 */
public record MemreasonConfig(
    Kafka kafka, Topics topics, Pipeline pipeline, Model model, Engine engine, Web web, Feedback feedback,
    Retrain retrain, Registry registry, HubSettings hub, Settings settings) {

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
  public record Pipeline(long punctuateIntervalMs, int maxQuestionChars, long answerTimeoutMs, long drainTimeoutMs) {}

  /**
   * Which model to serve: a folder or a Hub repository ({@code hf:ORG/NAME[@REVISION]}) each. An empty {@code dir}
   * means the locally built default model.
   */
  public record Model(Optional<ModelLocation> dir, Optional<ModelLocation> adapter, Path cacheDir, String version) {}

  /** The generation engine: replicas, batching, limits and default decoding. */
  public record Engine(String device, int workers, int maxBatch, int queueCapacity, int maxNewTokens,
                       int maxTotalTokens, float temperature, float topP, int topK) {}

  /**
   * The HTTP server of the page, the API, /metrics and /health.
   *
   * @param recentQuestions how many of the latest questions the live page keeps and shows to a newly opened page
   */
  public record Web(String host, int port, int recentQuestions) {}

  /** The feedback aggregator: its Streams application id, how long labels wait for answers, how long answers stay. */
  public record Feedback(String applicationId, long waitForAnswerMs, long answerRetentionMs, long punctuateIntervalMs) {}

  /**
   * When and how a new model version is trained from feedback.
   *
   * @param inProcess run the job in this process when it is due ({@code retrain.trigger=in-process})
   * @param intervalMs 0 = no schedule
   * @param replayData seed-format files of the original training data; empty = no replay
   */
  public record Retrain(boolean inProcess, int afterExamples, long intervalMs, long checkIntervalMs,
                        Optional<Path> evalData, String evalTask, List<Path> replayData, int replaySize,
                        int epochs, float learningRate, long seed, Path workDir, long lockStaleMs) {}

  /** The model registry; an empty {@code dir} means no registry and no hot swap. */
  public record Registry(Optional<Path> dir, int keepVersions, double promotionTolerance) {}

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
        positive(s, "pipeline.max-question-chars"), positive(s, "pipeline.answer-timeout-ms"),
        notNegative(s, "pipeline.drain-timeout-ms"));
    Model model = new Model(optionalLocation(s, "model.dir"), optionalLocation(s, "model.adapter"),
        Path.of(s.string("model.cache-dir")), s.string("model.version"));
    Engine engine = new Engine(oneOf(s, "engine.device", "auto", "cpu", "gpu"), positive(s, "engine.workers"),
        positive(s, "engine.max-batch"), positive(s, "engine.queue-capacity"), positive(s, "engine.max-new-tokens"),
        positive(s, "engine.max-total-tokens"), (float) s.decimal("engine.temperature"),
        (float) s.decimal("engine.top-p"), s.integer("engine.top-k"));
    Web web = new Web(s.string("web.host"), s.integer("web.port"), positive(s, "web.recent-questions"));
    Feedback feedback = new Feedback(s.string("feedback.application-id"), positiveLong(s, "feedback.wait-for-answer-ms"),
        positiveLong(s, "feedback.answer-retention-ms"), positiveLong(s, "feedback.punctuate-interval-ms"));
    Retrain retrain = new Retrain(oneOf(s, "retrain.trigger", "off", "in-process").equals("in-process"),
        positive(s, "retrain.after-examples"), notNegative(s, "retrain.interval-ms"),
        positiveLong(s, "retrain.check-interval-ms"), optionalPath(s, "retrain.eval-data"),
        s.string("retrain.eval-task"), paths(s, "retrain.replay-data"), notNegativeInt(s, "retrain.replay-size"),
        positive(s, "retrain.epochs"), (float) s.decimal("retrain.learning-rate"), s.longValue("retrain.seed"),
        Path.of(s.string("retrain.work-dir")), positiveLong(s, "retrain.lock-stale-ms"));
    Registry registry = new Registry(optionalPath(s, "registry.dir"), positive(s, "registry.keep-versions"),
        notNegativeDecimal(s, "registry.promotion-tolerance"));
    return new MemreasonConfig(kafka, topics, pipeline, model, engine, web, feedback, retrain, registry, hub(s), s);
  }

  /** The Hub and its cache, from the hub.* keys (which HF_ENDPOINT, HF_HOME, HF_TOKEN and HF_HUB_OFFLINE set). */
  private static HubSettings hub(Settings s) {
    String endpoint = s.string("hub.endpoint");
    String home = s.string("hub.home");
    if (home.equals("~") || home.startsWith("~/")) {
      home = System.getProperty("user.home") + home.substring(1);
    }
    try {
      return new HubSettings(new URI(endpoint), Path.of(home),
          Optional.of(s.string("hub.token")).filter(t -> !t.isBlank()), hubFlag(s, "hub.offline"));
    } catch (URISyntaxException | IllegalArgumentException e) {
      throw new ConfigException("hub.endpoint must be the http(s) URL of the Hub or a mirror, not '" + endpoint + "'");
    }
  }

  /** A flag as huggingface_hub reads its variables: 1, true, yes or on; 0, false, no, off or empty. */
  private static boolean hubFlag(Settings s, String key) {
    String v = s.string(key).toLowerCase(Locale.ROOT);
    if (List.of("1", "true", "yes", "on").contains(v)) {
      return true;
    }
    if (List.of("", "0", "false", "no", "off").contains(v)) {
      return false;
    }
    throw new ConfigException(key + " must be true or false (1 or 0), not '" + v + "'");
  }

  private static Optional<ModelLocation> optionalLocation(Settings s, String key) {
    String v = s.string(key);
    try {
      return v.isEmpty() ? Optional.empty() : Optional.of(ModelLocation.parse(v));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(key + ": " + e.getMessage());
    }
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

  private static long positiveLong(Settings s, String key) {
    long v = s.longValue(key);
    if (v <= 0) {
      throw new ConfigException(key + " must be positive, not " + v);
    }
    return v;
  }

  private static long notNegative(Settings s, String key) {
    long v = s.longValue(key);
    if (v < 0) {
      throw new ConfigException(key + " must be 0 or more, not " + v);
    }
    return v;
  }

  private static int notNegativeInt(Settings s, String key) {
    int v = s.integer(key);
    if (v < 0) {
      throw new ConfigException(key + " must be 0 or more, not " + v);
    }
    return v;
  }

  private static double notNegativeDecimal(Settings s, String key) {
    double v = s.decimal(key);
    if (!(v >= 0)) {
      throw new ConfigException(key + " must be 0 or more, not " + v);
    }
    return v;
  }

  /** A comma-separated list of paths; empty when the value is empty. */
  private static List<Path> paths(Settings s, String key) {
    return Arrays.stream(s.string(key).split(",")).map(String::strip).filter(p -> !p.isEmpty()).map(Path::of).toList();
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
