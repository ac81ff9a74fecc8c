package io.memreason.pipeline;

import io.memreason.avro.Question;
import io.memreason.avro.Task;
import io.memreason.config.MemreasonConfig;
import io.memreason.kafka.ClientProperties;
import io.memreason.pipeline.serde.AvroSerdes;
import io.memreason.reasoning.Decoding;
import io.memreason.reasoning.LlmReasoner;
import io.memreason.reasoning.ReasoningRequest;
import io.memreason.reasoning.Step;
import io.memreason.reasoning.TinyStepModel;
import io.memreason.reasoning.Trace;
import io.memreason.reasoning.TraceListener;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.Stores;

/**
 * The meters a serving process registers, with a value each, for tests of files that name metrics (the Grafana
 * dashboard): the pipeline's meters after one question went through the real topology to its answer and one
 * undecodable record went to dead-letters, the model engine's meters after it answered one question (a tiny
 * random model), and the Kafka Streams client meters bound as {@link InferencePipeline} binds them, on a client
 * that is built but never started (so no broker is needed).
 */
public final class ServingMetricsSample {
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

  private ServingMetricsSample() {}

  /**
   * Registers and exercises the meters on {@code registry} and returns its scrape (Prometheus text format),
   * taken while the client meters are still bound. Streams state and the tiny model go under {@code dir}.
   */
  public static String scrape(PrometheusMeterRegistry registry, Path dir) throws Exception {
    MemreasonConfig config = MemreasonConfig.defaults().with(Map.of(
        "kafka.bootstrap.servers", "127.0.0.1:1", "streams.state.dir", dir.resolve("streams").toString()));
    answerOneQuestionAndDeadLetterOneRecord(config, registry);
    answerOneQuestionWithTheEngine(dir.resolve("model"), registry);
    Properties props = new Properties();
    props.putAll(ClientProperties.streams(config));
    KafkaStreams streams = new KafkaStreams(InferenceTopology.build(config, new ManualReasoner(),
        AvroSerdes.singleObject(List.of()), new PipelineMetrics(registry), new Drain(),
        InferenceTopology.persistentPendingStore(), OutputLimits.ofProducer(config), Optional.empty()),
        props);
    try (KafkaStreamsMetrics clientMetrics = new KafkaStreamsMetrics(streams)) {
      clientMetrics.bindTo(registry);
      return registry.scrape();
    } finally {
      streams.close(Duration.ofSeconds(5));
    }
  }

  private static void answerOneQuestionAndDeadLetterOneRecord(MemreasonConfig config, MeterRegistry registry) {
    AvroSerdes serdes = AvroSerdes.singleObject(List.of());
    ManualReasoner reasoner = new ManualReasoner();
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "metrics-sample");
    PipelineMetrics metrics = new PipelineMetrics(registry);
    OutputLimits limits = OutputLimits.ofProducer(config);
    props.putAll(InferenceTopology.exceptionHandling(config, serdes, metrics, limits));
    try (TopologyTestDriver driver = new TopologyTestDriver(InferenceTopology.build(config, reasoner, serdes,
        metrics, new Drain(), Stores.inMemoryKeyValueStore(InferenceTopology.PENDING_STORE), limits, Optional.empty()),
        props, START)) {
      TestInputTopic<byte[], byte[]> questions = driver.createInputTopic(config.topics().questions(),
          new ByteArraySerializer(), new ByteArraySerializer());
      Question q = Question.newBuilder().setId("q1").setText("Is water wet?").setTask(Task.STRATEGYQA)
          .setSubmittedAt(START).build();
      questions.pipeInput(bytes("q1"), serdes.serde(Question.class).serializer().serialize("questions", q));
      reasoner.finish("q1");
      driver.advanceWallClockTime(Duration.ofMillis(config.pipeline().punctuateIntervalMs()));
      questions.pipeInput(bytes("q2"), bytes("not a question"));
    }
  }

  private static void answerOneQuestionWithTheEngine(Path modelDir, MeterRegistry registry) throws Exception {
    TinyStepModel.write(modelDir, true);
    try (LlmReasoner engine = TinyStepModel.reasoner(modelDir, "v1", 1, 1).withMetrics(registry)) {
      CompletableFuture<Trace> done = new CompletableFuture<>();
      engine.submit(new ReasoningRequest("q1", "Is water wet?", io.memreason.reasoning.Task.OPEN, List.of(),
          new Decoding(0f, 1f, 0, 4, 1L)), new TraceListener() {
            @Override
            public void onStep(Step step) {}

            @Override
            public void onFinished(Trace trace) {
              done.complete(trace);
            }
          }, Duration.ofSeconds(10));
      done.get(60, TimeUnit.SECONDS);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
