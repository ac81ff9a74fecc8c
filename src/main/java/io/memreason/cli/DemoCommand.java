package io.memreason.cli;

import io.memreason.avro.Question;
import io.memreason.config.MemreasonConfig;
import io.memreason.kafka.ClientProperties;
import io.memreason.kafka.EmbeddedKafka;
import io.memreason.kafka.TopicCreator;
import io.memreason.pipeline.InferencePipeline;
import io.memreason.pipeline.TraceSubscription;
import io.memreason.pipeline.serde.AvroSerdes;
import io.memreason.reasoning.Reasoner;
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

  @Override
  public Integer call() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (Reasoner reasoner = ReasonerFactory.create(config.load(), registry)) {
      run(reasoner, registry, System.out, Ansi.AUTO.enabled());
    }
    return 0;
  }

  /** The demo with a given model, printing to {@code out}. */
  void run(Reasoner reasoner, PrometheusMeterRegistry registry, PrintStream out, boolean colour) throws Exception {
    try (ShutdownSignal signal = new ShutdownSignal();
         TemporaryDirectory dir = new TemporaryDirectory("memreason-demo");
         EmbeddedKafka kafka = EmbeddedKafka.start(dir.path().resolve("kafka"), 0)) {
      MemreasonConfig c = config.load().with(Map.of(
          "kafka.bootstrap.servers", kafka.bootstrapServers(),
          "streams.state.dir", dir.path().resolve("streams").toString()));
      TopicCreator.createMissing(c);
      try (InferencePipeline pipeline = InferencePipeline.start(c, reasoner, registry);
           TraceMonitor monitor = TraceMonitor.start(c);
           WebServer web = WebServer.start(c.web(), registry, () -> Health.of(pipeline.state()), monitor)) {
        out.println("Kafka at " + kafka.bootstrapServers() + " · model " + reasoner.modelVersion()
            + " · live page on http://localhost:" + web.port() + "/ · Ctrl-C stops");
        pipeline.awaitRunning(Duration.ofMinutes(2));
        List<Question> questions = SampleQuestions.take(count, "demo-");
        TracePrinter printer = new TracePrinter(out, colour,
            questions.stream().map(Question::getId).collect(Collectors.toSet()));
        askAndFollow(c, questions, signal, printer, out);
        if (keepRunning && !signal.requested()) {
          out.println("the live page stays on http://localhost:" + web.port() + "/ (ask and label there) · Ctrl-C stops");
          signal.await();
        }
      }
    }
  }

  /** Sends the questions one by one while printing whatever the pipeline publishes, until all are answered. */
  private void askAndFollow(MemreasonConfig c, List<Question> questions, ShutdownSignal signal, TracePrinter printer,
                            PrintStream out) {
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
      }
    }
    out.printf("%d of %d questions answered in %.1f s%n", printer.answered(), questions.size(),
        (System.nanoTime() - started) / 1e9);
  }
}
