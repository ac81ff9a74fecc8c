package io.memreason.cli;

import io.memreason.avro.Question;
import io.memreason.config.MemreasonConfig;
import io.memreason.console.ShutdownSignal;
import io.memreason.console.TracePrinter;
import io.memreason.demo.LearningDemo;
import io.memreason.demo.QuestionFeed;
import io.memreason.demo.SampleQuestions;
import io.memreason.demo.VerifyDemo;
import io.memreason.feedback.FeedbackAggregator;
import io.memreason.feedback.RetrainTrigger;
import io.memreason.kafka.EmbeddedKafka;
import io.memreason.kafka.TopicCreator;
import io.memreason.pipeline.InferencePipeline;
import io.memreason.registry.ModelRegistry;
import io.memreason.registry.ModelSource;
import io.memreason.registry.ModelVersionPublisher;
import io.memreason.registry.ServingModel;
import io.memreason.registry.VersionLoader;
import io.memreason.web.Health;
import io.memreason.web.TraceMonitor;
import io.memreason.web.WebServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code memreason demo}: everything in one process on a fresh embedded broker, sample questions going in and
 * their traces printed live as the model writes them; with {@code --learn}, the learning loop live
 * ({@link LearningDemo}).
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Embedded Kafka + the pipeline + the model: sample questions answered with live memory/reason traces.")
final class DemoCommand implements Callable<Integer> {
  @Mixin
  ConfigOptions config;

  @Option(names = "--questions", defaultValue = "8", description = "How many sample questions to ask. Default: ${DEFAULT-VALUE}.")
  int count;

  @Option(names = "--interval-ms", defaultValue = "500", description = "Pause between two questions. Default: ${DEFAULT-VALUE}.")
  long intervalMs;

  @Option(names = "--keep-running",
      description = "After the sample questions, keep the pipeline and the live page running until Ctrl-C.")
  boolean keepRunning;

  @Option(names = "--learn", description = "Instead of the sample questions, the learning loop on the default model's "
      + "atlas world: questions about facts it was never taught, labelled as they are answered, a retraining on the "
      + "labels, the new version swapped in, the questions asked again; accuracy per version printed as it changes.")
  boolean learn;

  @Option(names = "--verify", description = "Instead of the sample questions, a knowledge-checked memory on the default "
      + "model's atlas world: questions about facts it was never taught, every memory step it writes checked against "
      + "the world (pipeline.verify=revise), a contradicted one revised with the correct fact given and the model "
      + "continuing from it, and whether that repaired the answer.")
  boolean verify;

  /**
   * The demo's page and API: on this machine only and without sign-in (serve's defaults are all interfaces and
   * tokens). A configuration file, the environment or --set may still say otherwise.
   */
  static final Map<String, String> WEB_DEFAULTS = Map.of("web.host", "127.0.0.1", "web.auth", "none");

  /** Where the demo's model versions come from: how one is loaded, and the first one, which starts the registry. */
  record Models(VersionLoader loader, ModelSource firstVersion) {}

  @Override
  public Integer call() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    MemreasonConfig c = config.load(WEB_DEFAULTS);
    WebServer.check(c.web());
    if (learn && verify) {
      throw new IllegalArgumentException("demo shows --learn or --verify, not both: choose one");
    }
    if ((learn || verify) && c.model().dir().isPresent()) {
      throw new IllegalArgumentException("demo " + (learn ? "--learn" : "--verify") + " runs the default model on its"
          + " atlas world: leave model.dir empty (it is " + c.model().dir().get() + ")");
    }
    run(new Models(ReasonerFactory.versionLoader(c, registry), ReasonerFactory.configuredModel(c)), registry,
        System.out, Ansi.AUTO.enabled());
    return 0;
  }

  /**
   * The demo with the given models, printing to {@code out}. The first version starts a registry of the demo's own,
   * the feedback aggregator joins labels (e.g. from the web page) with answers, and with {@code retrain.eval-data}
   * set a retraining runs in this process when it is due, its version swapped in when it is promoted.
   */
  void run(Models models, PrometheusMeterRegistry registry, PrintStream out, boolean colour) throws Exception {
    try (ShutdownSignal signal = new ShutdownSignal();
         TemporaryDirectory dir = TemporaryDirectory.besideStreamsState(config.load(WEB_DEFAULTS), "demo-");
         EmbeddedKafka kafka = EmbeddedKafka.start(dir.path().resolve("kafka"), 0)) {
      LearningDemo lesson = learn ? LearningDemo.forDefaultModel(dir.path().resolve("atlas")) : null;
      VerifyDemo check = verify ? VerifyDemo.forDefaultModel() : null;
      MemreasonConfig loaded = config.load(WEB_DEFAULTS).with(Map.of(
          "kafka.bootstrap.servers", kafka.bootstrapServers(),
          "streams.state.dir", dir.path().resolve("streams").toString(),
          "registry.dir", dir.path().resolve("registry").toString()))
          .with(lesson == null ? Map.of() : lesson.settings());
      MemreasonConfig c = check == null ? loaded : loaded.with(check.settings(loaded));
      TopicCreator.createMissing(c);
      ModelRegistry versions = ReasonerFactory.registry(c);
      try (ModelVersionPublisher publisher = new ModelVersionPublisher(c)) {
        publisher.publish(versions.importModel(models.firstVersion()).promoted());
      }
      try (ServingModel reasoner = ServingModel.start(c, versions, models.loader(), models.firstVersion(), registry);
           InferencePipeline pipeline = InferencePipeline.start(c, reasoner, registry,
               check == null ? Optional.empty() : Optional.of(check.verifier()));
           FeedbackAggregator feedback = FeedbackAggregator.start(c, registry);
           RetrainTrigger retraining = c.retrain().evalData().isPresent() ? retrainingTrigger(c) : null;
           TraceMonitor monitor = TraceMonitor.start(c);
           WebServer web = WebServer.start(c.web(), registry, () -> Health.of(pipeline.state()), monitor)) {
        String page = (c.web().tls().keystore().isPresent() ? "https://" : "http://") + c.web().host() + ":"
            + web.port() + "/";
        out.println("Kafka at " + kafka.bootstrapServers() + " · model " + reasoner.modelVersion()
            + " · live page on " + page + " · Ctrl-C stops");
        if (!c.web().auth().tokens()) {
          out.println("no sign-in: the page and its API let anyone on " + c.web().host() + " ask, watch and label"
              + " (web.auth=none; serve asks for tokens)");
        }
        if (retraining == null) {
          out.println("labels are aggregated; retraining is off: set retrain.eval-data to learn from them");
        }
        pipeline.awaitRunning(Duration.ofMinutes(2));
        List<Question> questions = check != null ? check.questions(count)
            : SampleQuestions.forModel(c).take(count, "demo-");
        Set<String> asked = lesson != null ? lesson.questionIds()
            : questions.stream().map(Question::getId).collect(Collectors.toSet());
        TracePrinter printer = new TracePrinter(out, colour, asked);
        try (QuestionFeed feed = new QuestionFeed(c, printer, signal, Duration.ofMillis(intervalMs))) {
          long started = System.nanoTime();
          if (lesson != null) {
            lesson.run(feed, printer, out);
          } else if (check != null) {
            check.run(feed, questions, out);
          } else {
            feed.ask(questions);
          }
          out.printf("%d of %d questions answered in %.1f s%n", asked.stream().filter(printer::hasAnswered).count(),
              asked.size(),
              (System.nanoTime() - started) / 1e9);
          if (keepRunning && !signal.requested()) {
            out.println("the live page stays on " + page + " (ask and label there) · Ctrl-C stops");
            feed.followUntilStopped();
          }
        }
      }
    }
  }

  /** Retraining in this process when it is due; promoted and rejected versions show up on the model-versions topic. */
  private static RetrainTrigger retrainingTrigger(MemreasonConfig c) {
    return new RetrainTrigger(RetrainJobFactory.create(c), Duration.ofMillis(c.retrain().checkIntervalMs()),
        outcome -> LoggerFactory.getLogger(DemoCommand.class).info("retraining {}: {}", outcome.result(),
            outcome.message())).start();
  }
}
