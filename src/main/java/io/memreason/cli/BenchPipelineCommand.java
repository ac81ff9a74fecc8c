package io.memreason.cli;

import io.memreason.avro.Question;
import io.memreason.config.MemreasonConfig;
import io.memreason.demo.SampleQuestions;
import io.memreason.kafka.EmbeddedKafka;
import io.memreason.kafka.TopicCreator;
import io.memreason.llm.model.LlamaConfig;
import io.memreason.llm.random.ModelShape;
import io.memreason.llm.random.RandomCheckpoint;
import io.memreason.llm.safetensors.Dtype;
import io.memreason.pipeline.PipelineBenchmark;
import io.memreason.reasoning.Reasoner;
import io.memreason.reasoning.StepTokens;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code memreason bench pipeline}: the same questions through the model directly and end to end through
 * Kafka, on a broker in this process and, with {@code --bootstrap}, on a broker of its own; prints questions/s of
 * each, their ratios, end-to-end latency percentiles and what the pipeline costs per question.
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
    description = {"Questions/s and latency of the model alone vs. end to end through the pipeline (JSON lines), and"
        + " per question the CPU of the Kafka Streams side and of the process, the records, bytes and transactions.",
        "The pipeline runs on a broker inside this process and, with --bootstrap, also on that broker (e.g. a"
        + " `memreason broker` process), whose CPU is then not the pipeline's."})
final class BenchPipelineCommand implements Callable<Integer> {
  @Mixin
  ConfigOptions config;

  @Option(names = "--questions", defaultValue = "64", description = "Questions per run. Default: ${DEFAULT-VALUE}.")
  int questions;

  /** A fresh pipeline's first transactions and fetches take up to a second: these questions are answered unmeasured. */
  private static final int FIRST_QUESTIONS = 50;

  /** The JIT compiler's share of the CPU under which a warm-up batch counts as compiled code. */
  private static final double SETTLED_JIT_SHARE = 0.03;

  @Option(names = "--warmup", defaultValue = "40000", description = "At most this many questions per path answered"
      + " first, unmeasured, in rounds of --questions that go directly and through each broker's pipeline as the"
      + " measured rounds do, until the JIT compiler takes under 3 %% of a round's CPU: the measured runs then execute"
      + " compiled code, as a serving process does (on two cores the JVM compiles Kafka's code for minutes). 0: no"
      + " warm-up. Default: ${DEFAULT-VALUE}.")
  int warmup;

  @Option(names = "--timeout-s", defaultValue = "3600", description = "Give up on a run after this long. Default: ${DEFAULT-VALUE}.")
  long timeoutSeconds;

  @Option(names = "--interval-ms", defaultValue = "0", description = "Offer one question every this many ms in both "
      + "runs; 0 offers them all at once (throughput). A pace the model keeps up with shows the latency Kafka adds. "
      + "Default: ${DEFAULT-VALUE}.")
  long intervalMs;

  @Option(names = "--rounds", defaultValue = "1", description = "Alternate the direct run and the pipeline's this"
      + " many times; with more than one, the median ratio per broker comes last. Default: ${DEFAULT-VALUE}.")
  int rounds;

  @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "Also run the pipeline against the broker"
      + " at this address (e.g. `memreason broker --port 9092`); its topics get names of their own.")
  String bootstrap;

  @Option(names = "--shape", completionCandidates = ModelShapeNames.class,
      description = "Instead of the configured (or default) model, a random-weight model of this shape with step "
          + "tokens: what the pipeline costs beside a model of that size. It writes gibberish, so every question runs "
          + "to engine.max-new-tokens. Shapes: ${COMPLETION-CANDIDATES}.")
  String shape;

  @Override
  public Integer call() throws Exception {
    Duration timeout = Duration.ofSeconds(timeoutSeconds);
    Duration interval = Duration.ofMillis(intervalMs);
    try (TemporaryDirectory dir = TemporaryDirectory.besideStreamsState(config.load(), "bench-")) {
      MemreasonConfig loaded = shape == null ? config.load()
          : config.load().with(Map.of("model.dir", randomModel(dir.path().resolve("model")).toString()));
      SampleQuestions samples = SampleQuestions.forModel(loaded);
      List<Question> measured = samples.take(questions, "bench-");
      SimpleMeterRegistry engineMeters = new SimpleMeterRegistry();
      Map<String, List<Double>> ratios = new LinkedHashMap<>();
      // One broker in this process and one pipeline per broker serve the warm-up and every round, as in a serving
      // process: a new broker or pipeline per round had the JVM compile much of their code again in each measured
      // run. The pipelines idle during the direct runs (their threads' CPU shows in cpu_ms_per_question_by_thread).
      try (Reasoner reasoner = ReasonerFactory.create(loaded, engineMeters);
           EmbeddedKafka kafka = EmbeddedKafka.start(dir.path().resolve("kafka"), 0);
           Pipelines pipelines = new Pipelines()) {
        pipelines.start(ownTopics(loaded, kafka.bootstrapServers(), dir), reasoner, samples, "in-process", timeout);
        if (bootstrap != null) {
          pipelines.start(ownTopics(loaded, bootstrap, dir), reasoner, samples, bootstrap, timeout);
        }
        if (warmup > 0) {
          System.out.println(PipelineBenchmark.warmUp(warmup, SETTLED_JIT_SHARE,
              i -> samples.take(questions, "warmup-" + i + "-"), batch -> {
                PipelineBenchmark.direct(reasoner, engineMeters, batch, loaded.engine(), Duration.ZERO, timeout);
                for (PipelineBenchmark.RunningPipeline pipeline : pipelines.all) {
                  pipeline.answerUnmeasured(batch, timeout);
                }
              }).json());
        }
        // Rounds alternate the direct run and the pipeline's, so that a machine whose speed drifts (other work on
        // it) meets both alike; each pipeline run is compared with the direct run of its round.
        for (int round = 1; round <= rounds; round++) {
          PipelineBenchmark.Result direct = PipelineBenchmark.direct(reasoner, engineMeters, measured, loaded.engine(),
              interval, timeout);
          System.out.println(direct.json());
          for (PipelineBenchmark.RunningPipeline pipeline : pipelines.all) {
            PipelineBenchmark.Result endToEnd = pipeline.measure(engineMeters, measured, interval, timeout);
            System.out.println(endToEnd.json());
            System.out.println(PipelineBenchmark.comparison(direct, endToEnd));
            ratios.computeIfAbsent(endToEnd.broker(), b -> new ArrayList<>())
                .add(endToEnd.questionsPerSecond() / direct.questionsPerSecond());
          }
        }
      }
      if (rounds > 1) {
        ratios.forEach((broker, r) -> System.out.println(PipelineBenchmark.medianRatio(broker, r)));
      }
    }
    return 0;
  }

  /** The benchmark's running pipelines, one per broker, closed together. */
  private static final class Pipelines implements AutoCloseable {
    final List<PipelineBenchmark.RunningPipeline> all = new ArrayList<>();

    void start(MemreasonConfig c, Reasoner reasoner, SampleQuestions samples, String broker, Duration timeout)
        throws InterruptedException {
      TopicCreator.createMissing(c);
      all.add(PipelineBenchmark.RunningPipeline.start(c, reasoner, broker, samples.take(FIRST_QUESTIONS, "first-"),
          timeout));
    }

    @Override
    public void close() {
      all.forEach(PipelineBenchmark.RunningPipeline::close);
    }
  }

  /** The configuration on {@code bootstrapServers}, with an application id, topics and a state directory of its own. */
  private static MemreasonConfig ownTopics(MemreasonConfig loaded, String bootstrapServers, TemporaryDirectory dir) {
    String run = "bench-" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, String> s = new LinkedHashMap<>(Map.of("kafka.bootstrap.servers", bootstrapServers,
        "streams.application.id", run, "streams.state.dir", dir.path().resolve(run).toString()));
    for (String topic : List.of("questions", "memory-steps", "reason-steps", "answers", "feedback",
        "training-examples", "model-versions", "dead-letters", "feedback-stats")) {
      s.put("topics." + topic, run + "." + topic);
    }
    return loaded.with(s);
  }

  /** A random model of {@link #shape} with one prefix token and one token per step kind, written to {@code dir}. */
  private Path randomModel(Path dir) {
    LlamaConfig shaped = ModelShape.named(shape);
    RandomCheckpoint.write(dir, shaped, 1, Dtype.F32);
    RandomCheckpoint.writeStepTokens(dir, StepTokens.of(1, 1).vocabulary(), shaped.hiddenSize(), 1);
    return dir;
  }
}
