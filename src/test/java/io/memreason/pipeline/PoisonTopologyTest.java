package io.memreason.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.avro.Answer;
import io.memreason.avro.AnswerStatus;
import io.memreason.avro.DeadLetter;
import io.memreason.avro.PendingQuestion;
import io.memreason.avro.Question;
import io.memreason.avro.ReasoningStep;
import io.memreason.avro.Task;
import io.memreason.config.MemreasonConfig;
import io.memreason.pipeline.serde.AvroSerdes;
import io.memreason.reasoning.Step;
import io.memreason.reasoning.StepKind;
import io.memreason.reasoning.Trace;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The inference processor against the poison classes of issue 15 that need the topology: outputs larger than their
 * topic, exceptions nobody expected, submission times out of range. Topics take records of 64 KiB here.
 */
class PoisonTopologyTest {
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
  private static final int MAX_RECORD_BYTES = 64 * 1024;
  private static final MemreasonConfig CONFIG = MemreasonConfig.defaults();
  private final AvroSerdes serdes = AvroSerdes.singleObject(List.of());
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final OutputLimits limits = OutputLimits.everywhere(MAX_RECORD_BYTES);

  private ManualReasoner reasoner;
  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> questions;
  private TestOutputTopic<String, ReasoningStep> memory;
  private TestOutputTopic<String, Answer> answers;
  private TestOutputTopic<String, DeadLetter> deadLetters;

  @BeforeEach
  void start() {
    reasoner = new ManualReasoner();
    PipelineMetrics metrics = new PipelineMetrics(registry);
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "poison-test");
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.putAll(InferenceTopology.exceptionHandling(CONFIG, serdes, metrics, limits));
    driver = new TopologyTestDriver(InferenceTopology.build(CONFIG, reasoner, serdes, metrics, new Drain(),
        Stores.inMemoryKeyValueStore(InferenceTopology.PENDING_STORE), limits, Optional.empty()), props, START);
    MemreasonConfig.Topics t = CONFIG.topics();
    questions = driver.createInputTopic(t.questions(), new ByteArraySerializer(), new ByteArraySerializer());
    StringDeserializer keys = new StringDeserializer();
    memory = driver.createOutputTopic(t.memorySteps(), keys, serdes.serde(ReasoningStep.class).deserializer());
    answers = driver.createOutputTopic(t.answers(), keys, serdes.serde(Answer.class).deserializer());
    deadLetters = driver.createOutputTopic(t.deadLetters(), keys, serdes.serde(DeadLetter.class).deserializer());
  }

  @AfterEach
  void close() {
    driver.close();
  }

  private static Question question(String id) {
    return Question.newBuilder().setId(id).setText("Is water wet?").setTask(Task.STRATEGYQA).setSubmittedAt(START)
        .build();
  }

  private void send(Question q) {
    questions.pipeInput(bytes(q.getId()), serdes.serde(Question.class).serializer().serialize("questions", q));
  }

  private void tick() {
    driver.advanceWallClockTime(Duration.ofMillis(CONFIG.pipeline().punctuateIntervalMs()));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static Trace trace(String id, List<Step> steps) {
    return new Trace(id, steps, Optional.of("True"), Trace.Status.OK, Optional.empty(), 12, 42, ManualReasoner.VERSION,
        START.plusMillis(60));
  }

  private void assertAnsweredNormallyAfterwards() {
    send(question("next"));
    reasoner.finish("next");
    tick();
    Answer next = answers.readValue();
    assertEquals("next", next.getQuestionId());
    assertEquals(AnswerStatus.OK, next.getStatus());
    assertTrue(answers.isEmpty() && deadLetters.isEmpty(), "nothing else was published");
  }

  // ---- outputs larger than their topic takes ------------------------------------------------------------

  @Test
  void aRecordTooLargeToBeKeptWholeBecomesATruncatedDeadLetterWithItsLengthAndDigest() {
    byte[] value = new byte[100_000];
    new Random(15).nextBytes(value);
    questions.pipeInput(bytes("big"), value);

    DeadLetter dead = deadLetters.readValue();
    assertEquals("UNDECODABLE", dead.getErrorType());
    assertTrue(dead.getTruncated());
    assertEquals(ByteBuffer.wrap(Arrays.copyOf(value, DeadLetters.KEPT_BYTES)), dead.getValue());
    assertEquals(100_000, dead.getValueLength());
    assertEquals(DeadLetters.sha256(value), dead.getValueSha256());
    assertEquals(ByteBuffer.wrap(bytes("big")), dead.getKey(), "a short key is kept whole");
    assertEquals(CONFIG.topics().questions(), dead.getSourceTopic());
    assertEquals(0L, dead.getSourceOffset());
    assertTrue(serdes.serde(DeadLetter.class).serializer().serialize("d", dead).length <= MAX_RECORD_BYTES);
    assertAnsweredNormallyAfterwards();
  }

  @Test
  void aRecordThatFitsIsKeptByteForByteWithItsLengthAndDigest() {
    byte[] value = {1, 2, 3};
    questions.pipeInput(bytes("k"), value);
    DeadLetter dead = deadLetters.readValue();
    assertFalse(dead.getTruncated());
    assertEquals(ByteBuffer.wrap(value), dead.getValue());
    assertEquals(3, dead.getValueLength());
    assertEquals(1, dead.getKeyLength());
    assertEquals(DeadLetters.sha256(bytes("k")), dead.getKeySha256());
  }

  @Test
  void aHugeKeyIsNotTheDeadLettersRecordKeyButStaysInItsValue() {
    byte[] key = bytes("k".repeat(60_000));
    questions.pipeInput(key, serdes.serde(Question.class).serializer().serialize("q", question("b1")));
    KeyValue<String, DeadLetter> dead = deadLetters.readKeyValue();
    assertNull(dead.key);
    assertEquals("INVALID", dead.value.getErrorType());
    assertTrue(dead.value.getTruncated(), "60 kB of key and its question come too near the 64 KiB the topic takes");
    assertEquals(60_000, dead.value.getKeyLength());
    assertTrue(dead.value.getError().length() < 300, dead.value.getError());
  }

  @Test
  void anAnswerTooLargeForItsTopicBecomesAFailedAnswerAndItsHugeStepIsDropped() {
    send(question("q1"));
    Step huge = new Step(0, StepKind.MEMORY, "z".repeat(100_000), 3, START, START.plusMillis(5));
    Step small = new Step(1, StepKind.REASON, "So it is.", 3, START, START.plusMillis(9));
    reasoner.writeStep("q1", huge);
    reasoner.finishWith("q1", trace("q1", List.of(huge, small)));
    tick();

    assertTrue(memory.isEmpty(), "the step that does not fit is dropped");
    Answer answer = answers.readValue();
    assertEquals(AnswerStatus.FAILED, answer.getStatus());
    assertTrue(answer.getError().startsWith("its answer could not be published: the record is "), answer.getError());
    assertTrue(answer.getSteps().isEmpty());
    assertEquals("Is water wet?", answer.getQuestion());
    assertNull(driver.<String, PendingQuestion>getKeyValueStore(InferenceTopology.PENDING_STORE).get("q1"));
    assertEquals(1.0, registry.get("memreason.outputs.replaced").tag("type", "answer").counter().count());
    assertAnsweredNormallyAfterwards();
  }

  // ---- exceptions nobody expected ---------------------------------------------------------------------

  @Test
  void aStepWithoutTextFailsItsQuestionOnceAndTheStreamGoesOn() {
    send(question("q1"));
    reasoner.writeStep("q1", new Step(0, StepKind.MEMORY, null, 3, START, START));
    reasoner.finish("q1");
    tick();
    Answer answer = answers.readValue();
    assertEquals(AnswerStatus.FAILED, answer.getStatus());
    assertTrue(answer.getError().startsWith("memreason failed while answering the question (a bug, please report it)"),
        answer.getError());
    assertAnsweredNormallyAfterwards();
  }

  @Test
  void aTraceWithoutItsStepListFailsItsQuestionOnce() {
    send(question("q1"));
    reasoner.finishWith("q1", trace("q1", null));
    tick();
    assertEquals(AnswerStatus.FAILED, answers.readValue().getStatus());
    assertAnsweredNormallyAfterwards();
  }

  @Test
  void aStepWithoutAKindFailsItsQuestionOnce() {
    send(question("q1"));
    reasoner.writeStep("q1", new Step(0, null, "text", 3, START, START));
    tick();
    assertEquals(AnswerStatus.FAILED, answers.readValue().getStatus());
    assertTrue(reasoner.cancelled.contains("q1"), "the model stops working on it");
    assertAnsweredNormallyAfterwards();
  }

  @Test
  void anExceptionWhileReadingARecordDeadLettersThatRecordOnceWithItsBytes() {
    reasoner.failNextVersionLookup(new IllegalStateException("the registry's version file is unreadable"));
    byte[] value = serdes.serde(Question.class).serializer().serialize("q", question("q1"));
    questions.pipeInput(bytes("q1"), value);

    DeadLetter dead = deadLetters.readValue();
    assertEquals(OutputSubstitutes.PROCESSING_ERROR, dead.getErrorType());
    assertEquals(ByteBuffer.wrap(value), dead.getValue());
    assertTrue(dead.getError().contains("the registry's version file is unreadable"), dead.getError());
    assertTrue(reasoner.submitted.isEmpty());
    assertAnsweredNormallyAfterwards();
  }

  // ---- submission times --------------------------------------------------------------------------------

  @Test
  void submissionTimesBefore1970OrADayAheadAreInvalid() {
    for (long ms : new long[] {Long.MIN_VALUE, Instant.parse("1000-01-01T00:00:00Z").toEpochMilli(), -1,
        START.plus(Duration.ofDays(2)).toEpochMilli(), Long.MAX_VALUE}) {
      Question q = question("t" + ms);
      q.setSubmittedAt(Instant.ofEpochMilli(ms));
      send(q);
      DeadLetter dead = deadLetters.readValue();
      assertEquals("INVALID", dead.getErrorType(), dead.getError());
      assertTrue(dead.getError().contains("submittedAt"), dead.getError());
    }
    assertTrue(reasoner.submitted.isEmpty());
  }

  @Test
  void aPendingQuestionFromBeforeTheRuleWithAnyTimeIsStillAnsweredAndMeasured() {
    Question old = question("old");
    old.setSubmittedAt(Instant.ofEpochMilli(Long.MIN_VALUE));
    driver.<String, PendingQuestion>getKeyValueStore(InferenceTopology.PENDING_STORE)
        .put("old", new PendingQuestion(old, 0, ManualReasoner.VERSION, START, null, null, false));
    tick();
    reasoner.finish("old");
    tick();
    Answer answer = answers.readValue();
    assertEquals(AnswerStatus.OK, answer.getStatus());
    assertEquals(Long.MAX_VALUE, answer.getLatencyMs(), "saturated, not overflowed");
    assertEquals(2, memory.readValuesToList().size());
    assertEquals(PipelineMetrics.LONGEST.toSeconds(),
        (long) registry.get("memreason.answer.latency").timer().max(java.util.concurrent.TimeUnit.SECONDS));
  }

  @Test
  void aQuestionOfManyMegabytesIsRefusedAsTooLongAndItsDeadLetterFits() {
    Question q = question("b1");
    q.setText("w".repeat(1_000_000));
    byte[] value = serdes.serde(Question.class).serializer().serialize("q", q);
    questions.pipeInput(bytes("b1"), value);
    DeadLetter dead = deadLetters.readValue();
    assertEquals("INVALID", dead.getErrorType());
    assertEquals("question 'b1': text has 1000000 characters, more than pipeline.max-question-chars=4000",
        dead.getError());
    assertTrue(dead.getTruncated());
    assertArrayEquals(Arrays.copyOf(value, DeadLetters.KEPT_BYTES), dead.getValue().array());
  }
}
