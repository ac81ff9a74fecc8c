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
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

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

  /**
   * Topic names, and the shape used when memreason creates them.
   *
   * @param knowledge facts by subject (compacted), read by the memory verifier as a global table
   * @param shadowAnswers a candidate's shadow answers ({@code serving.shadow}): never shown to users as answers
   */
  public record Topics(String questions, String memorySteps, String reasonSteps, String answers, String feedback,
                       String trainingExamples, String modelVersions, String deadLetters, String feedbackStats,
                       int partitions, short replicationFactor, boolean create, String knowledge,
                       String shadowAnswers) {}

  /**
   * The inference processor.
   *
   * @param verify what to do with the memory verifier's verdicts on memory steps ({@code pipeline.verify})
   * @param verifyMaxDepth how many revisions deep the pipeline still revises automatically
   */
  public record Pipeline(long punctuateIntervalMs, int maxQuestionChars, long answerTimeoutMs, long drainTimeoutMs,
                         Verify verify, int verifyMaxDepth) {

    /** {@code pipeline.verify}: whether memory steps are checked, and what a contradicted one leads to. */
    public enum Verify {
      /** No memory step is checked. */
      OFF,
      /** Each memory step the model writes carries the verifier's verdict. */
      ANNOTATE,
      /**
       * As {@link #ANNOTATE}; and the first contradicted memory step of a trace is revised: the pipeline asks the
       * question again with the steps before it and the correct fact as given steps.
       */
      REVISE;

      public boolean checks() {
        return this != OFF;
      }
    }
  }

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
   * @param metricsPort a second port serving /metrics and /health without sign-in; empty = /metrics on {@code port},
   *     for callers with the watch role
   */
  public record Web(String host, int port, int recentQuestions, Auth auth, Tls tls, Limits limits,
                    OptionalInt metricsPort) {

    /**
     * Who may use the server.
     *
     * @param tokens {@code web.auth=tokens}: every request but /health needs a token of {@code tokensFile}
     * @param allowUnauthenticated lets {@code web.auth=none} listen on an address other machines reach
     */
    public record Auth(boolean tokens, Optional<Path> tokensFile, boolean allowUnauthenticated) {}

    /**
     * HTTPS. The keystore's password is never a configuration value: it is read from {@code passwordFile} when that
     * is set, else from the environment variable {@code passwordEnv}.
     *
     * @param redirectPort a plain-HTTP port that only redirects to HTTPS; empty = no plain HTTP at all
     */
    public record Tls(Optional<Path> keystore, Optional<Path> passwordFile, String passwordEnv,
                      OptionalInt redirectPort) {}

    /** Quotas: per token (per minute, outstanding, open streams), and in all (open streams, body size). */
    public record Limits(int askPerMinute, int askOutstanding, int labelPerMinute, int maxBodyBytes,
                         int streamsPerToken, int maxStreams) {}
  }

  /**
   * The parts of memreason that talk to Kafka. Each may log in as a principal of its own: the keys
   * {@code kafka.<component>.*} (e.g. {@code kafka.inference.sasl.jaas.config}) override {@code kafka.*} for that
   * component's clients only (see {@link #forComponent}).
   */
  public enum Component {
    /** The inference pipeline (Kafka Streams) and the serving model's follower of model-versions. */
    INFERENCE,
    /** The feedback aggregator (Kafka Streams). */
    FEEDBACK,
    /** The retraining job: reads training-examples, announces model versions. */
    RETRAIN,
    /** The HTTP server: follows the topics for the page, produces questions and feedback. */
    WEB,
    /** The ask command: produces a question, follows its steps and answer. */
    ASK;

    /** The key segment: {@code kafka.<key>.*}. */
    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private static final Set<String> COMPONENT_KEYS =
      Arrays.stream(Component.values()).map(Component::key).collect(Collectors.toUnmodifiableSet());

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

  /**
   * The model registry; an empty {@code dir} means no registry and no hot swap.
   *
   * @param live how a candidate is tried on live traffic before it is promoted
   */
  public record Registry(Optional<Path> dir, int keepVersions, double promotionTolerance, Live live) {}

  /**
   * Canary and shadow traffic and the live gate ({@code serving.canary}, {@code serving.shadow},
   * {@code registry.live-*}).
   *
   * @param canary share of the questions a candidate answers as a canary; 0 with {@code shadow} 0: candidates that
   *     pass the offline gate are promoted at once
   * @param shadow share of the questions the serving version answers that the candidate also answers, to the
   *     shadow-answers topic only
   * @param minLabels labelled canary or shadow answers the live gate needs before it decides
   * @param confidence of the one-sided test by which a candidate is "below" the serving version
   */
  public record Live(double canary, double shadow, int minLabels, double confidence) {
    /** Whether a candidate goes through live traffic (as a canary, a shadow or both) before promotion. */
    public boolean enabled() {
      return canary > 0 || shadow > 0;
    }
  }

  public static MemreasonConfig defaults() {
    return from(Settings.defaults());
  }

  /** Defaults, then the optional file, then the environment, then explicit overrides. */
  public static MemreasonConfig load(Optional<Path> file, Map<String, String> env, Map<String, String> overrides) {
    return load(file, env, Map.of(), overrides);
  }

  /**
   * Defaults, then a command's own defaults (e.g. the demo's loopback address), then the optional file, the
   * environment and explicit overrides.
   */
  public static MemreasonConfig load(Optional<Path> file, Map<String, String> env, Map<String, String> commandDefaults,
                                     Map<String, String> overrides) {
    Settings s = Settings.defaults().with(commandDefaults);
    if (file.isPresent()) {
      s = s.withFile(file.get());
    }
    return from(s.withEnvironment(env).with(overrides));
  }

  /**
   * This configuration as one component sees it: its {@code kafka.<component>.*} keys replace the {@code kafka.*}
   * keys of the same name, so its clients (producers, consumers, admin, Streams) log in as its own principal.
   */
  public MemreasonConfig forComponent(Component component) {
    Map<String, String> own = new TreeMap<>();
    settings.prefixed("kafka." + component.key() + ".").forEach((k, v) -> own.put("kafka." + k, v));
    return own.isEmpty() ? this : with(own);
  }

  /** This configuration with some keys replaced, e.g. the bootstrap servers of an embedded broker. */
  public MemreasonConfig with(Map<String, String> overrides) {
    return from(settings.with(overrides));
  }

  public static MemreasonConfig from(Settings s) {
    Map<String, String> client = new TreeMap<>(s.prefixed("kafka."));
    // kafka.<component>.* belong to one component's clients only (forComponent), never to every client.
    client.keySet().removeIf(k -> COMPONENT_KEYS.contains(k.split("\\.", 2)[0]));
    Map<String, String> streams = s.prefixed("streams.");
    Kafka kafka = new Kafka(s.string("kafka.bootstrap.servers"), client, streams,
        s.string("streams.application.id"), oneOf(s, "serde.format", "soe", "registry"), s.string("serde.registry.url"),
        withPrefix("apicurio.", s.prefixed("apicurio.")));
    Topics topics = new Topics(s.string("topics.questions"), s.string("topics.memory-steps"),
        s.string("topics.reason-steps"), s.string("topics.answers"), s.string("topics.feedback"),
        s.string("topics.training-examples"), s.string("topics.model-versions"), s.string("topics.dead-letters"),
        s.string("topics.feedback-stats"),
        positive(s, "topics.partitions"), (short) positive(s, "topics.replication-factor"), s.bool("topics.create"),
        s.string("topics.knowledge"), s.string("topics.shadow-answers"));
    Pipeline pipeline = new Pipeline(positive(s, "pipeline.punctuate-interval-ms"),
        positive(s, "pipeline.max-question-chars"), positive(s, "pipeline.answer-timeout-ms"), drainTimeout(s),
        Pipeline.Verify.valueOf(oneOf(s, "pipeline.verify", "off", "annotate", "revise").toUpperCase(Locale.ROOT)),
        positive(s, "pipeline.verify-max-depth"));
    Model model = new Model(optionalLocation(s, "model.dir"), optionalLocation(s, "model.adapter"),
        Path.of(s.string("model.cache-dir")), s.string("model.version"));
    Engine engine = new Engine(oneOf(s, "engine.device", "auto", "cpu", "gpu"), positive(s, "engine.workers"),
        positive(s, "engine.max-batch"), positive(s, "engine.queue-capacity"), positive(s, "engine.max-new-tokens"),
        positive(s, "engine.max-total-tokens"), (float) s.decimal("engine.temperature"),
        (float) s.decimal("engine.top-p"), s.integer("engine.top-k"));
    Web web = new Web(s.string("web.host"), s.integer("web.port"), positive(s, "web.recent-questions"),
        new Web.Auth(oneOf(s, "web.auth", "tokens", "none").equals("tokens"), optionalPath(s, "web.tokens-file"),
            s.bool("web.allow-unauthenticated")),
        new Web.Tls(optionalPath(s, "web.tls.keystore"), optionalPath(s, "web.tls.keystore-password-file"),
            s.string("web.tls.keystore-password-env"), optionalPort(s, "web.tls.redirect-port")),
        new Web.Limits(positive(s, "web.ask-per-minute"), positive(s, "web.ask-outstanding"),
            positive(s, "web.label-per-minute"), positive(s, "web.max-body-bytes"), positive(s, "web.streams-per-token"),
            positive(s, "web.max-streams")),
        optionalPort(s, "web.metrics-port"));
    Feedback feedback = new Feedback(s.string("feedback.application-id"), positiveLong(s, "feedback.wait-for-answer-ms"),
        positiveLong(s, "feedback.answer-retention-ms"), positiveLong(s, "feedback.punctuate-interval-ms"));
    Retrain retrain = new Retrain(oneOf(s, "retrain.trigger", "off", "in-process").equals("in-process"),
        positive(s, "retrain.after-examples"), notNegative(s, "retrain.interval-ms"),
        positiveLong(s, "retrain.check-interval-ms"), optionalPath(s, "retrain.eval-data"),
        s.string("retrain.eval-task"), paths(s, "retrain.replay-data"), notNegativeInt(s, "retrain.replay-size"),
        positive(s, "retrain.epochs"), (float) s.decimal("retrain.learning-rate"), s.longValue("retrain.seed"),
        Path.of(s.string("retrain.work-dir")), positiveLong(s, "retrain.lock-stale-ms"));
    Live live = new Live(share(s, "serving.canary"), share(s, "serving.shadow"), positive(s, "registry.live-min-labels"),
        share(s, "registry.live-confidence"));
    if (!(live.confidence() > 0.5 && live.confidence() < 1)) {
      throw new ConfigException("registry.live-confidence must be between 0.5 and 1 (e.g. 0.95), not "
          + live.confidence());
    }
    Registry registry = new Registry(optionalPath(s, "registry.dir"), positive(s, "registry.keep-versions"),
        notNegativeDecimal(s, "registry.promotion-tolerance"), live);
    return new MemreasonConfig(kafka, topics, pipeline, model, engine, web, feedback, retrain, registry, hub(s), s);
  }

  /** The drain must leave the rest of a shutdown its time ({@link ShutdownBudget}). */
  private static long drainTimeout(Settings s) {
    long ms = notNegative(s, "pipeline.drain-timeout-ms");
    if (ms > ShutdownBudget.MAX_DRAIN.toMillis()) {
      throw new ConfigException("pipeline.drain-timeout-ms=" + ms + " does not fit in a shutdown: the JVM waits "
          + ShutdownBudget.GRACE.toSeconds() + " s after SIGTERM and closing the rest takes up to "
          + ShutdownBudget.GRACE.minus(ShutdownBudget.MAX_DRAIN).toSeconds() + " s, so at most "
          + ShutdownBudget.MAX_DRAIN.toMillis());
    }
    return ms;
  }

  /**
   * The Hub and its cache, from the hub.* keys (which HF_ENDPOINT, HF_HOME, HF_HUB_CACHE, HF_TOKEN and
   * HF_HUB_OFFLINE set).
   */
  private static HubSettings hub(Settings s) {
    String endpoint = s.string("hub.endpoint");
    Path home = userPath(s.string("hub.home"));
    String cache = s.string("hub.cache");
    try {
      return new HubSettings(new URI(endpoint), home, cache.isBlank() ? home.resolve("hub") : userPath(cache),
          Optional.of(s.string("hub.token")).filter(t -> !t.isBlank()), hubFlag(s, "hub.offline"));
    } catch (URISyntaxException | IllegalArgumentException e) {
      throw new ConfigException("hub.endpoint must be the http(s) URL of the Hub or a mirror, not '" + endpoint + "'");
    }
  }

  /** A path in which a leading ~ is the user's home folder, as Python's expanduser reads it. */
  private static Path userPath(String path) {
    return Path.of(path.equals("~") || path.startsWith("~/") ? System.getProperty("user.home") + path.substring(1) : path);
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

  private static double share(Settings s, String key) {
    double v = s.decimal(key);
    if (!(v >= 0 && v <= 1)) {
      throw new ConfigException(key + " is a share between 0 and 1 (0.2 = 20 %), not " + v);
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

  /** A port number, 0 for any free one, or empty for none. */
  private static OptionalInt optionalPort(Settings s, String key) {
    if (s.string(key).isEmpty()) {
      return OptionalInt.empty();
    }
    int port = s.integer(key);
    if (port < 0 || port > 65535) {
      throw new ConfigException(key + " must be a port number (0 for any free one) or empty, not " + port);
    }
    return OptionalInt.of(port);
  }

  private static Optional<Path> optionalPath(Settings s, String key) {
    String v = s.string(key);
    return v.isEmpty() ? Optional.empty() : Optional.of(Path.of(v));
  }
}
