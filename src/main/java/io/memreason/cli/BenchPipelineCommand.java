package io.memreason.cli;

import io.memreason.avro.Question;
import io.memreason.config.MemreasonConfig;
import io.memreason.kafka.EmbeddedKafka;
import io.memreason.kafka.TopicCreator;
import io.memreason.pipeline.PipelineBenchmark;
import io.memreason.reasoning.Reasoner;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code memreason bench pipeline}: the same questions through the model directly and end to end through
 * Kafka on an embedded broker; prints questions/s of both, their ratio, and end-to-end latency percentiles.
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
    description = "Questions/s and latency of the model alone vs. end to end through the pipeline (JSON lines).")
final class BenchPipelineCommand implements Callable<Integer> {
  @Mixin
  ConfigOptions config;

  @Option(names = "--questions", defaultValue = "64", description = "Questions per run. Default: ${DEFAULT-VALUE}.")
  int questions;

  @Option(names = "--warmup", defaultValue = "4", description = "Questions answered directly first, not measured. Default: ${DEFAULT-VALUE}.")
  int warmup;

  @Option(names = "--timeout-s", defaultValue = "3600", description = "Give up on a run after this long. Default: ${DEFAULT-VALUE}.")
  long timeoutSeconds;

  @Override
  public Integer call() throws Exception {
    MemreasonConfig loaded = config.load();
    Duration timeout = Duration.ofSeconds(timeoutSeconds);
    SampleQuestions samples = SampleQuestions.forModel(loaded);
    List<Question> measured = samples.take(questions, "bench-");
    try (TemporaryDirectory dir = new TemporaryDirectory("memreason-bench");
         Reasoner reasoner = ReasonerFactory.create(loaded, new SimpleMeterRegistry());
         EmbeddedKafka kafka = EmbeddedKafka.start(dir.path().resolve("kafka"), 0)) {
      MemreasonConfig c = loaded.with(Map.of(
          "kafka.bootstrap.servers", kafka.bootstrapServers(),
          "streams.state.dir", dir.path().resolve("streams").toString()));
      TopicCreator.createMissing(c);
      if (warmup > 0) {
        PipelineBenchmark.direct(reasoner, samples.take(warmup, "warmup-"), c.engine(), timeout);
      }
      PipelineBenchmark.Result direct = PipelineBenchmark.direct(reasoner, measured, c.engine(), timeout);
      System.out.println(direct.json());
      PipelineBenchmark.Result endToEnd = PipelineBenchmark.endToEnd(c, reasoner, measured, timeout);
      System.out.println(endToEnd.json());
      System.out.println(PipelineBenchmark.comparison(direct, endToEnd));
    }
    return 0;
  }
}
