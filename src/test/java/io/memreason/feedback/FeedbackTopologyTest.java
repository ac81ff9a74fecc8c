package io.memreason.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.avro.Answer;
import io.memreason.avro.AnswerStatus;
import io.memreason.avro.DeadLetter;
import io.memreason.avro.Feedback;
import io.memreason.avro.ModelAccuracy;
import io.memreason.avro.ReasoningStep;
import io.memreason.avro.RevisedStep;
import io.memreason.avro.StepKind;
import io.memreason.avro.StepVerdict;
import io.memreason.avro.Task;
import io.memreason.avro.TrainingExample;
import io.memreason.avro.TrainingStep;
import io.memreason.avro.Verdict;
import io.memreason.config.MemreasonConfig;
import io.memreason.pipeline.ShadowKey;
import io.memreason.pipeline.serde.AvroSerdes;
import io.memreason.registry.LiveGate;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FeedbackTopologyTest {
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
  private static final long WAIT_MS = 30_000;
  private static final MemreasonConfig CONFIG = MemreasonConfig.defaults().with(Map.of(
      "feedback.wait-for-answer-ms", String.valueOf(WAIT_MS), "feedback.punctuate-interval-ms", "1000"));
  private final AvroSerdes serdes = AvroSerdes.singleObject(List.of());
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> answers;
  private TestInputTopic<byte[], byte[]> feedback;
  private TestInputTopic<byte[], byte[]> shadowAnswers;
  private TestOutputTopic<String, TrainingExample> examples;
  private TestOutputTopic<String, ModelAccuracy> stats;
  private TestOutputTopic<String, DeadLetter> deadLetters;

  @BeforeEach
  void start() {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "feedback-test");
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    driver = new TopologyTestDriver(FeedbackTopology.build(CONFIG, serdes, new FeedbackMetrics(registry),
        Clock.fixed(START, ZoneOffset.UTC), Stores::inMemoryKeyValueStore), props, START);
    MemreasonConfig.Topics t = CONFIG.topics();
    answers = driver.createInputTopic(t.answers(), new ByteArraySerializer(), new ByteArraySerializer());
    feedback = driver.createInputTopic(t.feedback(), new ByteArraySerializer(), new ByteArraySerializer());
    shadowAnswers = driver.createInputTopic(t.shadowAnswers(), new ByteArraySerializer(), new ByteArraySerializer());
    StringDeserializer keys = new StringDeserializer();
    examples = driver.createOutputTopic(t.trainingExamples(), keys, serdes.serde(TrainingExample.class).deserializer());
    stats = driver.createOutputTopic(t.feedbackStats(), keys, serdes.serde(ModelAccuracy.class).deserializer());
    deadLetters = driver.createOutputTopic(t.deadLetters(), keys, serdes.serde(DeadLetter.class).deserializer());
  }

  @AfterEach
  void close() {
    driver.close();
  }

  /** An answer of {@code version} with the trace memory, reason, memory, reason and the label given. */
  private static Answer answer(String id, String version, String label) {
    List<ReasoningStep> steps = new ArrayList<>();
    StepKind[] kinds = {StepKind.MEMORY, StepKind.REASON, StepKind.MEMORY, StepKind.REASON};
    for (int i = 0; i < kinds.length; i++) {
      steps.add(ReasoningStep.newBuilder().setQuestionId(id).setIndex(i).setKind(kinds[i])
          .setText(kinds[i].name().toLowerCase() + " step " + i).setModelVersion(version).setTokenCount(5)
          .setStartedAt(START).setCompletedAt(START).build());
    }
    return Answer.newBuilder().setQuestionId(id).setQuestion("Where was Ilva born?").setTask(Task.ATLAS)
        .setAnswerText("The answer is: " + label).setLabel(label).setSteps(steps).setModelVersion(version)
        .setStatus(AnswerStatus.OK).setPromptTokens(10).setGeneratedTokens(30).setSubmittedAt(START)
        .setAnsweredAt(START).setLatencyMs(0).build();
  }

  private static Feedback label(String id, Verdict verdict, String correctedAnswer, StepVerdict... steps) {
    return Feedback.newBuilder().setQuestionId(id).setVerdict(verdict).setCorrectedAnswer(correctedAnswer)
        .setStepVerdicts(List.of(steps)).setLabeller("tester").setLabelledAt(START).build();
  }

  private static StepVerdict step(int index, boolean correct, String correctedText) {
    return StepVerdict.newBuilder().setIndex(index).setCorrect(correct).setCorrectedText(correctedText).build();
  }

  private void send(Answer a) {
    answers.pipeInput(bytes(a.getQuestionId()), serdes.serde(Answer.class).serializer().serialize("a", a));
  }

  private void send(Feedback f) {
    feedback.pipeInput(bytes(f.getQuestionId()), serdes.serde(Feedback.class).serializer().serialize("f", f));
  }

  /** A candidate's shadow answer, on the shadow-answers topic. */
  private void sendShadow(Answer a) {
    a.setShadow(true);
    shadowAnswers.pipeInput(bytes(a.getQuestionId()), serdes.serde(Answer.class).serializer().serialize("s", a));
  }

  private static Feedback shadowLabel(String id, Verdict verdict, String correctedAnswer, StepVerdict... steps) {
    Feedback f = label(id, verdict, correctedAnswer, steps);
    f.setShadow(true);
    return f;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private double gauge(String name, String version, String kind) {
    var search = registry.find(name).tag("model_version", version);
    return (kind == null ? search : search.tag("kind", kind)).gauge().value();
  }

  @Test
  void aCorrectLabelTrainsOnTheTraceAsWrittenAndTheModelsAnswer() {
    send(answer("q1", "v1", "Tarsen"));
    send(label("q1", Verdict.CORRECT, null, step(0, true, null)));

    TrainingExample e = examples.readValue();
    assertEquals("q1", e.getQuestionId());
    assertEquals("Where was Ilva born?", e.getQuestion());
    assertEquals(Task.ATLAS, e.getTask());
    assertEquals("Tarsen", e.getAnswer());
    assertEquals(Verdict.CORRECT, e.getVerdict());
    assertFalse(e.getCorrected());
    assertEquals(List.of(), e.getWrongSteps());
    assertEquals("v1", e.getModelVersion());
    assertEquals(List.of("memory step 0", "reason step 1", "memory step 2", "reason step 3"),
        e.getSteps().stream().map(TrainingStep::getText).toList());
    assertEquals(true, e.getSteps().get(0).getCorrect());
    assertNull(e.getSteps().get(1).getCorrect(), "a step without a verdict is not judged");
    assertTrue(deadLetters.isEmpty());
  }

  @Test
  void aCorrectedLabelSubstitutesTheCorrectedStepsAndAnswer() {
    send(answer("q1", "v1", "Molvia"));
    send(label("q1", Verdict.INCORRECT, "Tarsen", step(0, false, "Ilva was born in Tarsen."), step(1, false, null),
        step(2, true, null)));

    TrainingExample e = examples.readValue();
    assertEquals("Tarsen", e.getAnswer());
    assertEquals(Verdict.INCORRECT, e.getVerdict());
    assertTrue(e.getCorrected());
    assertEquals(List.of(0, 1), e.getWrongSteps());
    TrainingStep corrected = e.getSteps().get(0);
    assertEquals("Ilva was born in Tarsen.", corrected.getText());
    assertEquals(false, corrected.getCorrect(), "the verdict is on the step the model wrote");
    assertTrue(corrected.getCorrected());
    TrainingStep wrongUncorrected = e.getSteps().get(1);
    assertEquals("reason step 1", wrongUncorrected.getText());
    assertFalse(wrongUncorrected.getCorrected());
  }

  @Test
  void anIncorrectLabelWithoutCorrectionHasNoAnswerToTrainOn() {
    send(answer("q1", "v1", "Molvia"));
    send(label("q1", Verdict.INCORRECT, null, step(2, false, null)));

    TrainingExample e = examples.readValue();
    assertNull(e.getAnswer());
    assertFalse(e.getCorrected());
    assertEquals(List.of(2), e.getWrongSteps());
  }

  @Test
  void aLabelArrivingBeforeItsAnswerWaitsAndJoinsWhenTheAnswerComes() {
    send(label("q1", Verdict.CORRECT, null));
    driver.advanceWallClockTime(Duration.ofMillis(WAIT_MS - 5_000));
    assertTrue(examples.isEmpty());

    send(answer("q1", "v1", "Tarsen"));
    assertEquals("Tarsen", examples.readValue().getAnswer());
    driver.advanceWallClockTime(Duration.ofMillis(WAIT_MS));
    assertTrue(deadLetters.isEmpty(), "a joined label does not expire");
  }

  @Test
  void aLabelForAnUnknownQuestionIsADeadLetterAfterTheWait() {
    Feedback f = label("nobody-asked", Verdict.CORRECT, null);
    send(f);
    driver.advanceWallClockTime(Duration.ofMillis(WAIT_MS - 1_000));
    assertTrue(deadLetters.isEmpty(), "it may still be answered");

    driver.advanceWallClockTime(Duration.ofMillis(2_000));
    DeadLetter letter = deadLetters.readValue();
    assertEquals("UNKNOWN_QUESTION", letter.getErrorType());
    assertEquals(CONFIG.topics().feedback(), letter.getSourceTopic());
    assertEquals(f, serdes.serde(Feedback.class).deserializer().deserialize("f", letter.getValue().array()),
        "the label is kept byte for byte");
    assertTrue(letter.getError().contains("nobody-asked"));
    assertTrue(examples.isEmpty());

    send(answer("nobody-asked", "v1", "Tarsen"));
    assertTrue(examples.isEmpty(), "an expired label is not joined later");
  }

  @Test
  void aLaterLabelReplacesTheEarlierOneAndMovesTheFiguresInsteadOfAddingToThem() {
    send(answer("q1", "v1", "Tarsen"));
    send(answer("q2", "v1", "Molvia"));
    send(label("q1", Verdict.CORRECT, null, step(0, true, null)));
    send(label("q2", Verdict.CORRECT, null));
    ModelAccuracy before = stats.readKeyValuesToMap().get("v1");
    assertEquals(2, before.getLabelled());
    assertEquals(2, before.getCorrect());

    send(label("q1", Verdict.INCORRECT, "Varn", step(0, false, null), step(1, false, null)));

    ModelAccuracy after = stats.readKeyValuesToMap().get("v1");
    assertEquals(2, after.getLabelled(), "still two labelled answers");
    assertEquals(1, after.getCorrect());
    assertEquals(1, after.getIncorrect());
    assertEquals(1, after.getMemoryStepsJudged(), "the first label's judged step is replaced, not added");
    assertEquals(1, after.getMemoryStepsWrong());
    assertEquals(1, after.getReasonStepsJudged());
    assertEquals(1, after.getReasonStepsWrong());
    assertEquals(0.5, gauge("memreason.feedback.accuracy", "v1", null));
    assertEquals(2.0, gauge("memreason.feedback.labelled", "v1", null));
    List<String> labelled = examples.readValuesToList().stream().map(e -> e.getQuestionId() + ":" + e.getVerdict()).toList();
    assertEquals(List.of("q1:CORRECT", "q2:CORRECT", "q1:INCORRECT"), labelled);
  }

  @Test
  void countsJudgedAndWrongStepsByKindAndAccuracyByModelVersion() {
    send(answer("q1", "v1", "Molvia"));
    send(answer("q2", "v1", "Tarsen"));
    send(answer("q3", "v2", "Tarsen"));
    send(label("q1", Verdict.INCORRECT, "Tarsen", step(0, false, "Ilva was born in Tarsen."), step(1, true, null),
        step(2, false, null), step(3, false, null)));
    send(label("q2", Verdict.CORRECT, null, step(0, true, null), step(1, true, null)));
    send(label("q3", Verdict.CORRECT, null));

    Map<String, ModelAccuracy> byVersion = stats.readKeyValuesToMap();
    ModelAccuracy v1 = byVersion.get("v1");
    assertEquals(2, v1.getLabelled());
    assertEquals(1, v1.getCorrect());
    assertEquals(3, v1.getMemoryStepsJudged());
    assertEquals(2, v1.getMemoryStepsWrong());
    assertEquals(3, v1.getReasonStepsJudged());
    assertEquals(1, v1.getReasonStepsWrong());
    ModelAccuracy v2 = byVersion.get("v2");
    assertEquals(1, v2.getLabelled());
    assertEquals(1, v2.getCorrect());
    assertEquals(0, v2.getMemoryStepsJudged());
    assertEquals(0.5, gauge("memreason.feedback.accuracy", "v1", null));
    assertEquals(1.0, gauge("memreason.feedback.accuracy", "v2", null));
    assertEquals(2.0, gauge("memreason.feedback.steps.wrong", "v1", "memory"));
    assertEquals(1.0, gauge("memreason.feedback.steps.wrong", "v1", "reason"));
    assertEquals(3.0, gauge("memreason.feedback.steps.judged", "v1", "reason"));
    assertEquals(2.0 / 3, gauge("memreason.feedback.step.error.rate", "v1", "memory"), 1e-9);
    assertEquals(1.0 / 3, gauge("memreason.feedback.step.error.rate", "v1", "reason"), 1e-9);
    assertTrue(Double.isNaN(gauge("memreason.feedback.step.error.rate", "v2", "memory")), "no step of v2 judged");
  }

  @Test
  void shadowLabelsJoinTheShadowAnswersAndCountForTheCandidateWithoutReplacingTheServedLabels() {
    send(answer("q1", "v1", "Molvia"));
    sendShadow(answer("q1", "v2", "Tarsen"));
    send(answer("q2", "v1", "Tarsen"));
    sendShadow(answer("q2", "v2", "Tarsen"));
    send(label("q1", Verdict.INCORRECT, "Tarsen", step(0, false, null)));
    send(shadowLabel("q1", Verdict.CORRECT, null, step(1, false, null)));
    // q2's served answer stays unlabelled: only its shadow answer is judged.
    send(shadowLabel("q2", Verdict.CORRECT, null));

    List<KeyValue<String, TrainingExample>> joined = examples.readKeyValuesToList();
    assertEquals(List.of("q1", ShadowKey.of("q1"), ShadowKey.of("q2")), joined.stream().map(kv -> kv.key).toList(),
        "a shadow label's example has its own key: it does not replace the served answer's");
    TrainingExample served = joined.get(0).value;
    assertEquals("v1", served.getModelVersion());
    assertFalse(served.getShadow());
    assertEquals(Verdict.INCORRECT, served.getVerdict());
    TrainingExample shadow = joined.get(1).value;
    assertEquals("q1", shadow.getQuestionId());
    assertEquals("v2", shadow.getModelVersion());
    assertTrue(shadow.getShadow());
    assertEquals(Verdict.CORRECT, shadow.getVerdict());
    assertEquals("Tarsen", shadow.getAnswer(), "the shadow answer is the one judged");

    Map<String, ModelAccuracy> byVersion = stats.readKeyValuesToMap();
    assertEquals(1, byVersion.get("v1").getLabelled());
    assertEquals(0, byVersion.get("v1").getCorrect());
    assertEquals(1, byVersion.get("v1").getMemoryStepsWrong());
    assertEquals(2, byVersion.get("v2").getLabelled(), "the candidate's live accuracy counts its shadow answers");
    assertEquals(2, byVersion.get("v2").getCorrect());
    assertEquals(1, byVersion.get("v2").getReasonStepsWrong());
    assertEquals(1.0, gauge("memreason.feedback.accuracy", "v2", null));
    // What the live gate reads: the latest example of each key, per version.
    Map<String, TrainingExample> current = new java.util.LinkedHashMap<>();
    joined.forEach(kv -> current.put(kv.key, kv.value));
    Map<String, LiveGate.Labels> live = RetrainJob.liveLabels(current.values());
    assertEquals(new LiveGate.Labels(1, 0), live.get("v1"));
    assertEquals(new LiveGate.Labels(2, 2), live.get("v2"));

    send(shadowLabel("q1", Verdict.INCORRECT, "Tarsen"));
    ModelAccuracy moved = stats.readKeyValuesToMap().get("v2");
    assertEquals(2, moved.getLabelled(), "a later shadow label replaces the earlier one");
    assertEquals(1, moved.getCorrect());
    assertFalse(stats.readKeyValuesToMap().containsKey("v1"), "the served version's figures do not move");
    assertTrue(deadLetters.isEmpty());
  }

  @Test
  void aShadowLabelWaitsForItsShadowAnswerAndIsNeverJoinedWithTheServedOne() {
    send(answer("q1", "v1", "Tarsen"));
    send(shadowLabel("q1", Verdict.CORRECT, null));
    assertTrue(examples.isEmpty(), "the served answer is not the one the label judges");
    sendShadow(answer("q1", "v2", "Tarsen"));
    TrainingExample e = examples.readValue();
    assertEquals("v2", e.getModelVersion());
    assertTrue(e.getShadow());

    send(shadowLabel("q9", Verdict.CORRECT, null));
    driver.advanceWallClockTime(Duration.ofMillis(WAIT_MS + 1000));
    DeadLetter letter = deadLetters.readValue();
    assertEquals(FeedbackJoinProcessor.UNKNOWN_QUESTION, letter.getErrorType());
    assertTrue(letter.getError().contains("no shadow answer to question q9"), letter.getError());

    Answer notShadow = answer("q3", "v2", "Tarsen");
    shadowAnswers.pipeInput(bytes("q3"), serdes.serde(Answer.class).serializer().serialize("s", notShadow));
    assertEquals(FeedbackJoinProcessor.INVALID, deadLetters.readValue().getErrorType(),
        "a served answer on the shadow topic is refused");
  }

  /** A revision of v1's question q1 at its step 0, answered by {@code version} with the same four steps. */
  private static Answer revision(String id, String version, String label) {
    Answer a = answer(id, version, label);
    a.getSteps().get(0).setText("Ilva was born in Tarsen.");
    a.getSteps().get(0).setGiven(true);
    a.setRevises(new RevisedStep("q1", 0, null, "v1", 1));
    return a;
  }

  @Test
  void aRevisionLabelledCorrectTrainsOnTheCorrectedTraceAndCountsTheCorrectedStepAsWrongForTheOriginalsVersion() {
    send(answer("q1", "v1", "Molvia"));
    send(label("q1", Verdict.INCORRECT, null));
    send(revision("r1", "v2", "Tarsen"));
    send(label("r1", Verdict.CORRECT, null));

    List<TrainingExample> joined = examples.readValuesToList();
    TrainingExample e = joined.get(1);
    assertEquals("r1", e.getQuestionId());
    assertEquals("Tarsen", e.getAnswer(), "a training example with the revision's answer");
    assertEquals(List.of("Ilva was born in Tarsen.", "reason step 1", "memory step 2", "reason step 3"),
        e.getSteps().stream().map(TrainingStep::getText).toList(), "the corrected trace");
    assertEquals(false, e.getSteps().get(0).getCorrect(), "the step it corrects was wrong");
    assertTrue(e.getSteps().get(0).getCorrected());
    assertEquals(List.of(0), e.getWrongSteps());
    assertTrue(e.getCorrected());
    assertEquals("q1", e.getRevises().getQuestionId());

    Map<String, ModelAccuracy> byVersion = stats.readKeyValuesToMap();
    ModelAccuracy v1 = byVersion.get("v1");
    assertEquals(1, v1.getLabelled(), "the revision's answer is not the version's own answer");
    assertEquals(0, v1.getCorrect());
    assertEquals(1, v1.getMemoryStepsJudged());
    assertEquals(1, v1.getMemoryStepsWrong(), "the corrected memory step is one of v1's wrong steps");
    assertEquals(null, byVersion.get("v2"), "nothing counts for the version that continued the revision");
    assertEquals(1.0, gauge("memreason.feedback.steps.wrong", "v1", "memory"));
  }

  @Test
  void aRevisionLabelledIncorrectCountsNothingAndALaterCorrectLabelMovesTheFigures() {
    send(revision("r1", "v1", "Molvia"));
    send(label("r1", Verdict.INCORRECT, null));
    assertEquals(0, stats.readKeyValuesToMap().get("v1").getMemoryStepsWrong());
    send(label("r1", Verdict.CORRECT, null));
    assertEquals(1, stats.readKeyValuesToMap().get("v1").getMemoryStepsWrong());
    send(label("r1", Verdict.INCORRECT, null));
    ModelAccuracy v1 = stats.readKeyValuesToMap().get("v1");
    assertEquals(0, v1.getMemoryStepsWrong(), "a replaced label takes its count back");
    assertEquals(0, v1.getLabelled());
  }

  @Test
  void labelsThatCannotBeReadOrAppliedAreDeadLetters() {
    send(answer("q1", "v1", "Tarsen"));
    feedback.pipeInput(bytes("q1"), bytes("not avro"));
    send(label("q1", Verdict.CORRECT, null, step(9, true, null)));
    feedback.pipeInput(bytes("q2"), serdes.serde(Feedback.class).serializer().serialize("f",
        label("q1", Verdict.CORRECT, null)));
    send(label("q1", Verdict.UNKNOWN, null));

    List<DeadLetter> letters = deadLetters.readValuesToList();
    assertEquals(List.of("UNDECODABLE", "INVALID", "INVALID", "INVALID"),
        letters.stream().map(DeadLetter::getErrorType).toList());
    assertTrue(letters.get(1).getError().contains("step 9"), letters.get(1).getError());
    assertTrue(letters.get(2).getError().contains("keyed 'q2'"), letters.get(2).getError());
    assertTrue(examples.isEmpty());
    assertEquals(4.0, registry.find("memreason.dead.letters").counters().stream().mapToDouble(c -> c.count()).sum());
  }

  @Test
  void labelsBeyondTheLimitsOfTheApiAreDeadLettersFromTheTopicToo() {
    send(answer("q1", "v1", "Tarsen"));
    String huge = "x".repeat(LabelLimits.MAX_TEXT_CHARS + 1);
    send(label("q1", Verdict.INCORRECT, huge));
    send(label("q1", Verdict.INCORRECT, null, step(0, false, huge)));
    Feedback anonymous = label("q1", Verdict.CORRECT, null);
    anonymous.setLabeller(" \u200B ");
    send(anonymous);
    Feedback longName = label("q1", Verdict.CORRECT, null);
    longName.setLabeller("n".repeat(LabelLimits.MAX_LABELLER_CHARS + 1));
    send(longName);
    send(label("q1", Verdict.CORRECT, null, step(-1, true, null)));

    List<String> errors = deadLetters.readValuesToList().stream().map(DeadLetter::getError).toList();
    assertEquals(5, errors.size(), errors.toString());
    assertTrue(errors.get(0).endsWith("correctedAnswer has 2001 characters, more than 2000"), errors.get(0));
    assertTrue(errors.get(1).endsWith("the correctedText of step 0 has 2001 characters, more than 2000"), errors.get(1));
    assertTrue(errors.get(2).endsWith("labeller is blank"), errors.get(2));
    assertTrue(errors.get(3).endsWith("labeller has 101 characters, more than 100"), errors.get(3));
    assertTrue(errors.get(4).contains("step indexes start at 0"), errors.get(4));
    assertTrue(examples.isEmpty(), "no label beyond the limits becomes training data");
    send(label("q1", Verdict.INCORRECT, "x".repeat(LabelLimits.MAX_TEXT_CHARS)));
    assertEquals(1, examples.readValuesToList().size(), "a label at the limits is joined");
  }
}
