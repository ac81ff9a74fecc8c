package io.memreason.web;

import io.memreason.avro.Answer;
import io.memreason.avro.AnswerStatus;
import io.memreason.avro.Question;
import io.memreason.avro.ReasoningStep;
import io.memreason.avro.StepKind;
import io.memreason.avro.Task;
import io.memreason.config.MemreasonConfig;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A monitor without a broker for the web tests: records are handed to its {@link LiveTraces} directly, and what it
 * produces lands in a {@link MockProducer}.
 */
final class MonitorFixture {
  static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");
  static final String VERSION = "v-test";

  /** The server of these tests runs without authentication on loopback, as the demo does. */
  final MemreasonConfig config;
  final MockProducer<byte[], byte[]> producer =
      new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
  final LiveTraces live;
  final TraceMonitor monitor;

  MonitorFixture() {
    this(Map.of());
  }

  /** @param web more settings, e.g. web.auth and limits */
  MonitorFixture(Map<String, String> web) {
    config = MemreasonConfig.defaults().with(Map.of("web.recent-questions", "10", "pipeline.max-question-chars", "200",
        "web.host", "127.0.0.1", "web.port", "0", "web.auth", "none")).with(web);
    live = new LiveTraces(config.web().recentQuestions(), Clock.systemUTC());
    monitor = new TraceMonitor(config, live, new Submissions(producer, config), Clock.systemUTC(), () -> {});
  }


  static Question question(String id, String text) {
    return Question.newBuilder().setId(id).setText(text).setTask(Task.STRATEGYQA).setSubmittedAt(T0).build();
  }

  static ReasoningStep step(String id, int index, StepKind kind, String text) {
    return ReasoningStep.newBuilder().setQuestionId(id).setIndex(index).setKind(kind).setText(text)
        .setModelVersion(VERSION).setTokenCount(7).setStartedAt(T0.plusMillis(100L * index))
        .setCompletedAt(T0.plusMillis(100L * index + 80)).build();
  }

  static Answer answer(String id, String text, List<ReasoningStep> steps, long latencyMs) {
    return Answer.newBuilder().setQuestionId(id).setQuestion(text).setTask(Task.STRATEGYQA)
        .setAnswerText("The answer is: True").setLabel("True").setSteps(steps).setModelVersion(VERSION)
        .setStatus(AnswerStatus.OK).setPromptTokens(20).setGeneratedTokens(30).setSubmittedAt(T0)
        .setAnsweredAt(T0.plusMillis(latencyMs)).setLatencyMs(latencyMs).build();
  }

  /** A question with a memory and a reason step, answered. */
  void answered(String id, String text) {
    List<ReasoningStep> steps = List.of(step(id, 0, StepKind.MEMORY, "recalled"), step(id, 1, StepKind.REASON, "so"));
    live.onQuestion(question(id, text));
    steps.forEach(live::onStep);
    live.onAnswer(answer(id, text, steps, 250));
  }
}
