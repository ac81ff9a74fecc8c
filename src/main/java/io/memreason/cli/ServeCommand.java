package io.memreason.cli;

import io.memreason.config.MemreasonConfig;
import io.memreason.kafka.TopicCreator;
import io.memreason.pipeline.InferencePipeline;
import io.memreason.reasoning.Reasoner;
import io.memreason.web.Health;
import io.memreason.web.TraceMonitor;
import io.memreason.web.WebServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code memreason serve}: the inference pipeline against the configured Kafka cluster, until Ctrl-C. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Answer the questions topic with the model: steps and answers to their topics, exactly once, and the"
        + " live trace page on web.port, until Ctrl-C.")
final class ServeCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

  @Mixin
  ConfigOptions config;

  @Override
  public Integer call() throws Exception {
    MemreasonConfig c = config.load();
    log.info("configuration: {}", c.settings().redacted());
    if (c.topics().create()) {
      TopicCreator.createMissing(c);
    }
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (ShutdownSignal signal = new ShutdownSignal();
         Reasoner reasoner = ReasonerFactory.create(c, registry);
         InferencePipeline pipeline = InferencePipeline.start(c, reasoner, registry);
         TraceMonitor monitor = TraceMonitor.start(c);
         WebServer web = WebServer.start(c.web(), registry, () -> Health.of(pipeline.state()), monitor)) {
      log.info("serving {} with model {}; live page, API, metrics and health on port {}", c.topics().questions(),
          reasoner.modelVersion(), web.port());
      signal.await();
    }
    return 0;
  }
}
