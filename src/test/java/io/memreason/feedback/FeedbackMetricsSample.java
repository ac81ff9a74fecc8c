package io.memreason.feedback;

import io.memreason.avro.Answer;
import io.memreason.avro.AnswerStatus;
import io.memreason.avro.Feedback;
import io.memreason.avro.ReasoningStep;
import io.memreason.avro.StepKind;
import io.memreason.avro.StepVerdict;
import io.memreason.avro.Task;
import io.memreason.avro.Verdict;
import io.memreason.config.MemreasonConfig;
import io.memreason.pipeline.serde.AvroSerdes;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.Stores;

/**
 * The feedback aggregator's meters with a value each, for tests of files that name metrics (the Grafana dashboard):
 * one answer of version v1 and its label go through the real topology.
 */
public final class FeedbackMetricsSample {
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

  private FeedbackMetricsSample() {}

  public static void register(MeterRegistry registry) {
    MemreasonConfig config = MemreasonConfig.defaults();
    AvroSerdes serdes = AvroSerdes.singleObject(List.of());
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "feedback-metrics-sample");
    try (TopologyTestDriver driver = new TopologyTestDriver(FeedbackTopology.build(config, serdes,
        new FeedbackMetrics(registry), Clock.fixed(START, ZoneOffset.UTC), Stores::inMemoryKeyValueStore), props, START)) {
      TestInputTopic<byte[], byte[]> answers = driver.createInputTopic(config.topics().answers(),
          new ByteArraySerializer(), new ByteArraySerializer());
      TestInputTopic<byte[], byte[]> labels = driver.createInputTopic(config.topics().feedback(),
          new ByteArraySerializer(), new ByteArraySerializer());
      ReasoningStep memory = ReasoningStep.newBuilder().setQuestionId("q1").setIndex(0).setKind(StepKind.MEMORY)
          .setText("Ilva was born in Osk.").setModelVersion("v1").setTokenCount(6).setStartedAt(START)
          .setCompletedAt(START).build();
      Answer answer = Answer.newBuilder().setQuestionId("q1").setQuestion("Where was Ilva born?").setTask(Task.ATLAS)
          .setAnswerText("The answer is: Osk").setLabel("Osk").setSteps(List.of(memory)).setModelVersion("v1")
          .setStatus(AnswerStatus.OK).setPromptTokens(8).setGeneratedTokens(12).setSubmittedAt(START)
          .setAnsweredAt(START).setLatencyMs(0).build();
      Feedback label = Feedback.newBuilder().setQuestionId("q1").setVerdict(Verdict.CORRECT)
          .setStepVerdicts(List.of(new StepVerdict(0, true, null))).setLabeller("sample").setLabelledAt(START).build();
      answers.pipeInput(bytes("q1"), serdes.serde(Answer.class).serializer().serialize("answers", answer));
      labels.pipeInput(bytes("q1"), serdes.serde(Feedback.class).serializer().serialize("feedback", label));
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
