package io.memreason.cli;

import io.memreason.config.MemreasonConfig;
import io.memreason.config.MemreasonConfig.Component;
import io.memreason.console.ShutdownSignal;
import io.memreason.feedback.FeedbackAggregator;
import io.memreason.feedback.RetrainJob;
import io.memreason.feedback.RetrainTrigger;
import io.memreason.kafka.TopicCreator;
import io.memreason.pipeline.InferencePipeline;
import io.memreason.reasoning.Reasoner;
import io.memreason.web.Health;
import io.memreason.web.TraceMonitor;
import io.memreason.web.WebServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code memreason serve}: the inference pipeline and the feedback aggregator against the configured Kafka cluster,
 * until Ctrl-C; with {@code registry.dir}, hot-swapping to each promoted model version, and with
 * {@code retrain.trigger=in-process}, retraining in this process when it is due.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {"Answer the questions topic with the model: steps and answers to their topics, exactly once, and the"
        + " live trace page on web.port, until Ctrl-C. Labels on the feedback topic are joined with their answers"
        + " into training examples and live accuracy per model version.",
        "With registry.dir set, serves the model version promoted last and swaps to each newly promoted one; with"
        + " retrain.trigger=in-process, also retrains when it is due (see memreason retrain)."})
final class ServeCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

  @Mixin
  ConfigOptions config;

  @Override
  public Integer call() throws Exception {
    MemreasonConfig c = config.load();
    log.info("configuration: {}", c.settings().redacted());
    // Before minutes of model loading: a server that could not start says so now.
    WebServer.check(c.web());
    // Each component logs in to Kafka as its own principal when kafka.<component>.* says so.
    MemreasonConfig inference = c.forComponent(Component.INFERENCE);
    if (c.topics().create()) {
      TopicCreator.createMissing(inference);
    }
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (ShutdownSignal signal = new ShutdownSignal();
         Reasoner reasoner = ReasonerFactory.create(inference, registry);
         InferencePipeline pipeline = InferencePipeline.start(inference, reasoner, registry);
         FeedbackAggregator feedback = FeedbackAggregator.start(c.forComponent(Component.FEEDBACK), registry);
         RetrainTrigger retraining = c.retrain().inProcess() ? retrainingTrigger(c.forComponent(Component.RETRAIN)) : null;
         TraceMonitor monitor = TraceMonitor.start(c.forComponent(Component.WEB));
         WebServer web = WebServer.start(c.web(), registry, () -> Health.of(pipeline.state()), monitor)) {
      log.info("serving {} with model {}; live page, API, metrics and health on port {}", c.topics().questions(),
          reasoner.modelVersion(), web.port());
      signal.await();
      // First the pipeline: it drains and hands its partitions over while the page and the aggregator still run.
      pipeline.close();
    }
    return 0;
  }

  /** The in-process trigger; a resource that is null is not closed, so serving without one needs no branch. */
  private static RetrainTrigger retrainingTrigger(MemreasonConfig c) {
    RetrainJob job = RetrainJobFactory.create(c);
    return new RetrainTrigger(job, Duration.ofMillis(c.retrain().checkIntervalMs()),
        outcome -> log.info("retraining {}: {}", outcome.result(), outcome.message())).start();
  }
}
