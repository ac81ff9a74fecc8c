package io.memreason.cli;

import io.memreason.avro.Question;
import io.memreason.config.MemreasonConfig;
import io.memreason.feedback.FeedbackAggregator;
import io.memreason.feedback.LearningSubscription;
import io.memreason.feedback.RetrainTrigger;
import io.memreason.kafka.ClientProperties;
import io.memreason.kafka.EmbeddedKafka;
import io.memreason.kafka.TopicCreator;
import io.memreason.pipeline.InferencePipeline;
import io.memreason.pipeline.TraceSubscription;
import io.memreason.pipeline.serde.AvroSerdes;
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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code memreason demo}: everything in one process on a fresh embedded broker, sample questions going in and
 * their traces printed live as the model writes them.
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

  /** Where the demo's model versions come from: how one is loaded, and the first one, which starts the registry. */
  record Models(VersionLoader loader, ModelSource firstVersion) {}

  @Override
  public Integer call() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    MemreasonConfig c = config.load();
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
         TemporaryDirectory dir = new TemporaryDirectory("memreason-demo");
         EmbeddedKafka kafka = EmbeddedKafka.start(dir.path().resolve("kafka"), 0)) {
      MemreasonConfig c = config.load().with(Map.of(
          "kafka.bootstrap.servers", kafka.bootstrapServers(),
          "streams.state.dir", dir.path().resolve("streams").toString(),
          "registry.dir", dir.path().resolve("registry").toString()));
      TopicCreator.createMissing(c);
      ModelRegistry versions = ReasonerFactory.registry(c);
      try (ModelVersionPublisher publisher = new ModelVersionPublisher(c)) {
        publisher.publish(versions.importModel(models.firstVersion()).promoted());
      }
      try (ServingModel reasoner = ServingModel.start(c, versions, models.loader(), models.firstVersion(), registry);
           InferencePipeline pipeline = InferencePipeline.start(c, reasoner, registry);
           FeedbackAggregator feedback = FeedbackAggregator.start(c, registry);
           RetrainTrigger retraining = c.retrain().evalData().isPresent() ? retrainingTrigger(c) : null;
           TraceMonitor monitor = TraceMonitor.start(c);
           WebServer web = WebServer.start(c.web(), registry, () -> Health.of(pipeline.state()), monitor);
           LearningSubscription learning = LearningSubscription.fromNow(c)) {
        out.println("Kafka at " + kafka.bootstrapServers() + " · model " + reasoner.modelVersion()
            + " · live page on http://localhost:" + web.port() + "/ · Ctrl-C stops");
        if (retraining == null) {
          out.println("labels are aggregated; retraining is off: set retrain.eval-data to learn from them");
        }
        pipeline.awaitRunning(Duration.ofMinutes(2));
        List<Question> questions = SampleQuestions.take(count, "demo-");
        TracePrinter printer = new TracePrinter(out, colour,
            questions.stream().map(Question::getId).collect(Collectors.toSet()));
        askAndFollow(c, questions, signal, printer, learning, out);
        if (keepRunning && !signal.requested()) {
          out.println("the live page stays on http://localhost:" + web.port() + "/ (ask and label there) · Ctrl-C stops");
          while (!signal.requested()) {
            learning.poll(Duration.ofMillis(200), printer);
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

  /** Sends the questions one by one while printing whatever the pipeline publishes, until all are answered. */
  private void askAndFollow(MemreasonConfig c, List<Question> questions, ShutdownSignal signal, TracePrinter printer,
                            LearningSubscription learning, PrintStream out) {
    Serializer<Question> serializer = AvroSerdes.forConfig(c.kafka()).serde(Question.class).serializer();
    String topic = c.topics().questions();
    long started = System.nanoTime();
    try (TraceSubscription subscription = TraceSubscription.fromNow(c);
         KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(ClientProperties.producer(c))) {
      int sent = 0;
      long nextSend = System.nanoTime();
      while (printer.answered() < questions.size() && !signal.requested()) {
        if (sent < questions.size() && System.nanoTime() >= nextSend) {
          Question q = Question.newBuilder(questions.get(sent++)).setSubmittedAt(Instant.now()).build();
          producer.send(new ProducerRecord<>(topic, q.getId().getBytes(StandardCharsets.UTF_8), serializer.serialize(topic, q)));
          printer.question(q);
          nextSend = System.nanoTime() + Duration.ofMillis(intervalMs).toNanos();
        }
        subscription.poll(Duration.ofMillis(50), printer);
        learning.poll(Duration.ZERO, printer);
      }
    }
    out.printf("%d of %d questions answered in %.1f s%n", printer.answered(), questions.size(),
        (System.nanoTime() - started) / 1e9);
  }
}
