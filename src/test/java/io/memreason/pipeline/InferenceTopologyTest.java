package io.memreason.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.avro.Answer;
import io.memreason.avro.AnswerStatus;
import io.memreason.avro.DeadLetter;
import io.memreason.avro.GivenStep;
import io.memreason.avro.Knowledge;
import io.memreason.avro.KnownFact;
import io.memreason.avro.MemoryVerdict;
import io.memreason.avro.PendingQuestion;
import io.memreason.avro.Question;
import io.memreason.avro.ReasoningStep;
import io.memreason.avro.RevisedStep;
import io.memreason.avro.StepKind;
import io.memreason.avro.Task;
import io.memreason.config.MemreasonConfig;
import io.memreason.pipeline.serde.AvroSerdes;
import io.memreason.reasoning.MemoryVerifier;
import io.memreason.reasoning.ReasoningRequest;
import io.memreason.reasoning.StepText;
import io.memreason.reasoning.Verification;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
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
import org.junit.jupiter.api.Test;

class InferenceTopologyTest {
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
  private static final MemreasonConfig CONFIG = MemreasonConfig.defaults().with(Map.of(
      "pipeline.max-question-chars", "100", "pipeline.answer-timeout-ms", "60000"));
  private static final Duration TICK = Duration.ofMillis(CONFIG.pipeline().punctuateIntervalMs());
  private final AvroSerdes serdes = AvroSerdes.singleObject(List.of());
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final List<TopologyTestDriver> drivers = new ArrayList<>();

  private OutputLimits limits = OutputLimits.everywhere(OutputLimits.DEFAULT_MAX_REQUEST_BYTES);
  private MemreasonConfig config = CONFIG;
  private Optional<MemoryVerifier> verifier = Optional.empty();
  private ManualReasoner reasoner;
  private Drain drain;
  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> questions;
  private TestOutputTopic<String, ReasoningStep> memory;
  private TestOutputTopic<String, ReasoningStep> reason;
  private TestOutputTopic<String, Answer> answers;
  private TestOutputTopic<String, DeadLetter> deadLetters;
  private TestOutputTopic<String, Answer> shadowAnswers;

  private void start() {
    start(Stores.inMemoryKeyValueStore(InferenceTopology.PENDING_STORE));
  }

  private void start(org.apache.kafka.streams.state.KeyValueBytesStoreSupplier pendingStore) {
    reasoner = new ManualReasoner();
    drain = new Drain();
    PipelineMetrics metrics = new PipelineMetrics(registry);
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "inference-test");
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    // No cache in front of the store: every write of the processor reaches it (and a counting store counts it).
    props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    props.putAll(InferenceTopology.exceptionHandling(config, serdes, metrics, limits));
    driver = new TopologyTestDriver(InferenceTopology.build(config, reasoner, serdes, metrics, drain, pendingStore,
        limits, verifier), props, START);
    drivers.add(driver);
    MemreasonConfig.Topics t = CONFIG.topics();
    questions = driver.createInputTopic(t.questions(), new ByteArraySerializer(), new ByteArraySerializer());
    StringDeserializer keys = new StringDeserializer();
    memory = driver.createOutputTopic(t.memorySteps(), keys, serdes.serde(ReasoningStep.class).deserializer());
    reason = driver.createOutputTopic(t.reasonSteps(), keys, serdes.serde(ReasoningStep.class).deserializer());
    answers = driver.createOutputTopic(t.answers(), keys, serdes.serde(Answer.class).deserializer());
    deadLetters = driver.createOutputTopic(t.deadLetters(), keys, serdes.serde(DeadLetter.class).deserializer());
    shadowAnswers = driver.createOutputTopic(t.shadowAnswers(), keys, serdes.serde(Answer.class).deserializer());
  }

  @AfterEach
  void closeDrivers() {
    drivers.forEach(TopologyTestDriver::close);
  }

  private static Question question(String id, String text) {
    return Question.newBuilder().setId(id).setText(text).setTask(Task.STRATEGYQA).setSubmittedAt(START).build();
  }

  private void send(Question q) {
    questions.pipeInput(q.getId().getBytes(StandardCharsets.UTF_8),
        serdes.serde(Question.class).serializer().serialize("questions", q));
  }

  private void tick() {
    driver.advanceWallClockTime(TICK);
  }

  private KeyValueStore<String, PendingQuestion> pendingStore() {
    return driver.getKeyValueStore(InferenceTopology.PENDING_STORE);
  }

  @Test
  void publishesEachStepOnItsKindsTopicAsSoonAsItIsWrittenThenTheAnswer() {
    start();
    send(question("q1", "Is water wet?"));
    assertEquals(1, reasoner.submitted.size());
    assertEquals("Is water wet?", reasoner.submitted.get(0).question());

    reasoner.write("q1", 1);
    tick();
    assertEquals(List.of(0), memory.readValuesToList().stream().map(ReasoningStep::getIndex).toList());
    assertTrue(reason.isEmpty());
    assertTrue(answers.isEmpty());

    reasoner.write("q1", 2);
    tick();
    assertEquals(List.of(2), memory.readValuesToList().stream().map(ReasoningStep::getIndex).toList());
    assertEquals(List.of(1), reason.readValuesToList().stream().map(ReasoningStep::getIndex).toList());

    reasoner.finish("q1");
    tick();
    List<KeyValue<String, ReasoningStep>> assignment = reason.readKeyValuesToList();
    assertEquals(1, assignment.size(), "the unlabelled step goes with the reasoning");
    assertEquals(StepKind.ASSIGNMENT, assignment.get(0).value.getKind());
    assertEquals("q1", assignment.get(0).key);
    assertTrue(memory.isEmpty());

    KeyValue<String, Answer> answer = answers.readKeyValue();
    assertEquals("q1", answer.key);
    assertEquals(AnswerStatus.OK, answer.value.getStatus());
    assertEquals("True", answer.value.getLabel());
    assertEquals("The answer is: True", answer.value.getAnswerText());
    assertEquals(4, answer.value.getSteps().size());
    assertEquals(ManualReasoner.VERSION, answer.value.getModelVersion());
    assertEquals(42, answer.value.getGeneratedTokens());
    assertEquals(60, answer.value.getLatencyMs());
    assertNull(pendingStore().get("q1"), "an answered question is no longer pending");
    assertEquals(2.0, registry.get("memreason.steps").tag("kind", "memory").counter().count());
    assertEquals(1.0, registry.get("memreason.questions").tag("outcome", "ok").counter().count());
  }

  @Test
  void recordsHowManyStepsWentOutInThePendingStore() {
    start();
    send(question("q1", "Is water wet?"));
    assertEquals(0, pendingStore().get("q1").getEmittedSteps());
    reasoner.write("q1", 3);
    tick();
    PendingQuestion entry = pendingStore().get("q1");
    assertEquals(3, entry.getEmittedSteps());
    assertEquals(ManualReasoner.VERSION, entry.getModelVersion());
  }

  @Test
  void resubmitsPendingQuestionsAfterRestartWithoutDuplicateSteps() {
    start();
    send(question("q1", "Is water wet?"));
    send(question("q2", "Is fire cold?"));
    reasoner.write("q1", 2);
    reasoner.write("q2", 1);
    tick();
    List<ReasoningStep> before = new ArrayList<>(memory.readValuesToList());
    before.addAll(reason.readValuesToList());
    // Written by the model but not yet forwarded when the process dies: lost with the outbox.
    reasoner.write("q1", 1);
    List<KeyValue<String, PendingQuestion>> state = new ArrayList<>();
    pendingStore().all().forEachRemaining(state::add);
    ManualReasoner crashed = reasoner;
    driver.close();
    drivers.remove(driver);
    assertEquals(java.util.Set.of("q1", "q2"), crashed.cancelled, "closing a task cancels its questions");

    start(); // a new owner with the changelog's state and a fresh model
    state.forEach(kv -> pendingStore().put(kv.key, kv.value));
    tick();
    assertEquals(List.of("q1", "q2"), reasoner.submitted.stream().map(r -> r.id()).sorted().toList());
    reasoner.finish("q1");
    reasoner.finish("q2");
    tick();
    List<ReasoningStep> after = new ArrayList<>(memory.readValuesToList());
    after.addAll(reason.readValuesToList());

    for (String id : List.of("q1", "q2")) {
      List<Integer> indexes = new ArrayList<>();
      before.stream().filter(s -> s.getQuestionId().equals(id)).forEach(s -> indexes.add(s.getIndex()));
      after.stream().filter(s -> s.getQuestionId().equals(id)).forEach(s -> indexes.add(s.getIndex()));
      assertEquals(List.of(0, 1, 2, 3), indexes.stream().sorted().toList(), "every step of " + id + " exactly once");
    }
    Map<String, Answer> byId = answers.readKeyValuesToMap();
    assertEquals(2, byId.size());
    assertEquals(4, byId.get("q1").getSteps().size());
  }

  @Test
  void aShadowAnswerGoesOnceToShadowAnswersOnlyAndThePublicTopicsHoldTheServedTraceAlone() {
    start();
    reasoner.shadow("test-v2", java.util.Set.of("q1"));
    send(question("q1", "Is water wet?"));
    send(question("q2", "Is fire cold?"));
    tick();
    assertEquals(List.of("q1", ShadowKey.of("q1"), "q2"), reasoner.submitted.stream().map(ReasoningRequest::id).toList(),
        "the shadow request goes in with its question, under its own request id");
    assertEquals(ReasoningRequests.seed("q1", "test-v2"),
        reasoner.submitted.get(1).decoding().seed(), "the candidate samples as if it served q1");
    reasoner.write(ShadowKey.of("q1"), 2);
    reasoner.finish(ShadowKey.of("q1"));
    reasoner.finish("q1");
    reasoner.finish("q2");
    tick();

    List<ReasoningStep> steps = new ArrayList<>(memory.readValuesToList());
    steps.addAll(reason.readValuesToList());
    assertEquals(8, steps.size(), "four steps of each question, none of the shadow's");
    assertTrue(steps.stream().allMatch(st -> st.getModelVersion().equals(ManualReasoner.VERSION)), steps.toString());
    Map<String, Answer> served = answers.readKeyValuesToMap();
    assertEquals(java.util.Set.of("q1", "q2"), served.keySet());
    served.values().forEach(a -> {
      assertEquals(ManualReasoner.VERSION, a.getModelVersion());
      assertEquals(false, a.getShadow());
    });
    List<KeyValue<String, Answer>> shadow = shadowAnswers.readKeyValuesToList();
    assertEquals(1, shadow.size(), "one shadow answer: " + shadow);
    Answer s = shadow.get(0).value;
    assertEquals("q1", shadow.get(0).key);
    assertEquals("q1", s.getQuestionId());
    assertEquals("test-v2", s.getModelVersion());
    assertTrue(s.getShadow());
    assertEquals(AnswerStatus.OK, s.getStatus());
    assertEquals(4, s.getSteps().size(), "the shadow's steps travel inside its answer");
    assertTrue(s.getSteps().stream().allMatch(st -> st.getModelVersion().equals("test-v2")
        && st.getQuestionId().equals("q1")));
    assertEquals(0, count(pendingStore()), "nothing is owed any more");
    assertEquals(1.0, registry.get("memreason.shadow.answers").tag("model_version", "test-v2").counter().count());
  }

  @Test
  void aRestartFromThePendingStoreRunsOnlyTheGenerationStillOwedOnce() {
    start();
    reasoner.shadow("test-v2", java.util.Set.of("q1", "q2"));
    send(question("q1", "Is water wet?"));
    send(question("q2", "Is fire cold?"));
    tick();
    reasoner.finish("q1"); // q1: served, its shadow unfinished
    reasoner.finish(ShadowKey.of("q2")); // q2: shadow done, the served one half-way
    reasoner.write("q2", 2);
    tick();
    assertEquals(List.of("q1"), keys(answers));
    assertEquals(List.of("q2"), keys(shadowAnswers));
    List<String> reasonedBefore = new ArrayList<>();
    memory.readValuesToList().forEach(st -> reasonedBefore.add(st.getQuestionId() + "#" + st.getIndex()));
    reason.readValuesToList().forEach(st -> reasonedBefore.add(st.getQuestionId() + "#" + st.getIndex()));
    PendingQuestion q1 = pendingStore().get("q1");
    assertTrue(q1.getAnswered(), "q1's served answer is recorded as published");
    assertEquals("test-v2", q1.getShadowVersion(), "q1 still owes its shadow answer");
    PendingQuestion q2 = pendingStore().get("q2");
    assertEquals(false, q2.getAnswered());
    assertNull(q2.getShadowVersion(), "q2 owes no shadow answer any more");
    assertEquals(2, q2.getEmittedSteps());

    List<KeyValue<String, PendingQuestion>> state = new ArrayList<>();
    pendingStore().all().forEachRemaining(state::add);
    ManualReasoner crashed = reasoner;
    driver.close();
    drivers.remove(driver);
    assertEquals(java.util.Set.of("q2", ShadowKey.of("q1")), crashed.cancelled);

    start();
    reasoner.shadow("test-v2", java.util.Set.of("q1", "q2"));
    state.forEach(kv -> pendingStore().put(kv.key, kv.value));
    tick();
    assertEquals(List.of(ShadowKey.of("q1"), "q2"),
        reasoner.submitted.stream().map(ReasoningRequest::id).sorted().toList(),
        "only what is owed is run again: q1's shadow and q2's served answer");
    reasoner.finish(ShadowKey.of("q1"));
    reasoner.finish("q2");
    tick();
    tick();
    assertEquals(List.of("q2"), keys(answers), "no served answer twice");
    List<KeyValue<String, Answer>> shadow = shadowAnswers.readKeyValuesToList();
    assertEquals(List.of("q1"), shadow.stream().map(kv -> kv.key).toList(), "no shadow answer twice");
    assertEquals("test-v2", shadow.get(0).value.getModelVersion());
    List<String> reasonedAfter = new ArrayList<>(reasonedBefore);
    memory.readValuesToList().forEach(st -> reasonedAfter.add(st.getQuestionId() + "#" + st.getIndex()));
    reason.readValuesToList().forEach(st -> reasonedAfter.add(st.getQuestionId() + "#" + st.getIndex()));
    assertEquals(List.of("q1#0", "q1#1", "q1#2", "q1#3", "q2#0", "q2#1", "q2#2", "q2#3"),
        reasonedAfter.stream().sorted().toList(), "every served step exactly once, no shadow step");
    assertEquals(0, count(pendingStore()));
  }

  @Test
  void aShadowWhoseCandidateIsGoneIsAnsweredFailedOnTheShadowTopicAndTheServedAnswerIsUntouched() {
    start();
    reasoner.shadow("test-v2", java.util.Set.of("q1"));
    pendingStore().put("q1", new PendingQuestion(question("q1", "Is water wet?"), 0, ManualReasoner.VERSION, START,
        null, "test-v0", false));
    tick();
    reasoner.finish("q1");
    tick();
    assertEquals(List.of("q1"), keys(answers));
    Answer shadow = shadowAnswers.readValue();
    assertEquals(AnswerStatus.FAILED, shadow.getStatus());
    assertEquals("test-v0", shadow.getModelVersion());
    assertTrue(shadow.getShadow());
    assertTrue(shadowAnswers.isEmpty());
    assertEquals(0, count(pendingStore()));
  }

  private static List<String> keys(TestOutputTopic<String, Answer> topic) {
    return topic.readKeyValuesToList().stream().map(kv -> kv.key).toList();
  }

  private static long count(KeyValueStore<String, PendingQuestion> store) {
    long n = 0;
    try (var it = store.all()) {
      while (it.hasNext()) {
        it.next();
        n++;
      }
    }
    return n;
  }

  @Test
  void drainingFinishesTheQuestionsInFlightAndKeepsNewOnesPendingForTheNextOwner() {
    start();
    send(question("q1", "Is water wet?"));
    drain.start();
    send(question("q2", "Is fire cold?"));
    assertEquals(List.of("q1"), reasoner.submitted.stream().map(r -> r.id()).toList(), "no new question for the model");
    assertEquals(0, pendingStore().get("q2").getEmittedSteps(), "q2 waits in the store");

    reasoner.finish("q1");
    tick();
    assertEquals(List.of("q1"), answers.readKeyValuesToList().stream().map(kv -> kv.key).toList());
    assertEquals(0.0, registry.get("memreason.pending.questions").gauge().value(), "nothing left in flight");

    List<KeyValue<String, PendingQuestion>> state = new ArrayList<>();
    pendingStore().all().forEachRemaining(state::add);
    driver.close();
    drivers.remove(driver);
    start(); // the next owner answers what the drained one left pending
    state.forEach(kv -> pendingStore().put(kv.key, kv.value));
    tick();
    assertEquals(List.of("q2"), reasoner.submitted.stream().map(r -> r.id()).toList());
  }

  @Test
  void deadLettersUndecodableBytesWithTheirSourceAndKeepsGoing() {
    start();
    byte[] junk = {1, 2, 3, 4};
    questions.pipeInput("k".getBytes(StandardCharsets.UTF_8), junk);
    send(question("good", "Is water wet?"));

    KeyValue<String, DeadLetter> dead = deadLetters.readKeyValue();
    assertEquals("k", dead.key);
    assertEquals("UNDECODABLE", dead.value.getErrorType());
    assertEquals(CONFIG.topics().questions(), dead.value.getSourceTopic());
    assertEquals(0, dead.value.getSourcePartition());
    assertEquals(0L, dead.value.getSourceOffset());
    assertEquals(ByteBuffer.wrap(junk), dead.value.getValue());
    assertEquals(ByteBuffer.wrap("k".getBytes(StandardCharsets.UTF_8)), dead.value.getKey());
    assertTrue(dead.value.getError().startsWith("not an Avro single-object-encoded Question"), dead.value.getError());
    assertEquals("inference", dead.value.getProcessor());
    assertEquals(List.of("good"), reasoner.submitted.stream().map(r -> r.id()).toList());
    assertEquals(1.0, registry.get("memreason.dead.letters").tag("type", "UNDECODABLE").counter().count());
  }

  @Test
  void deadLettersEmptyAndOverLongQuestions() {
    start();
    send(question("empty", "   "));
    send(question("long", "x".repeat(101)));
    send(question("fits", "x".repeat(100)));

    List<DeadLetter> dead = deadLetters.readValuesToList();
    assertEquals(2, dead.size());
    assertEquals("INVALID", dead.get(0).getErrorType());
    assertEquals("question 'empty': text is blank", dead.get(0).getError());
    assertEquals(1L, dead.get(1).getSourceOffset());
    assertEquals("question 'long': text has 101 characters, more than pipeline.max-question-chars=100",
        dead.get(1).getError());
    assertEquals(List.of("fits"), reasoner.submitted.stream().map(r -> r.id()).toList());
  }

  @Test
  void deadLettersARecordOfAnotherTypeAndAQuestionKeyedByAnotherId() {
    start();
    questions.pipeInput("a1".getBytes(StandardCharsets.UTF_8), serdes.serde(Answer.class).serializer().serialize("x",
        TraceRecords.failed(question("a1", "?"), "v", "e", START)));
    Question q = question("q1", "Is water wet?");
    questions.pipeInput("other".getBytes(StandardCharsets.UTF_8),
        serdes.serde(Question.class).serializer().serialize("questions", q));

    List<DeadLetter> dead = deadLetters.readValuesToList();
    assertEquals("UNDECODABLE", dead.get(0).getErrorType());
    assertEquals("the record key 'other' is not the question id 'q1': key questions by their id", dead.get(1).getError());
    assertTrue(reasoner.submitted.isEmpty());
  }

  @Test
  void deadLettersASecondQuestionWithTheIdOfOneBeingAnswered() {
    start();
    send(question("q1", "Is water wet?"));
    send(question("q1", "Is fire cold?"));
    DeadLetter dead = deadLetters.readValue();
    assertEquals("DUPLICATE", dead.getErrorType());
    assertEquals(1, reasoner.submitted.size());
  }

  @Test
  void aFailedGenerationIsAnsweredFailedWithTheError() {
    start();
    send(question("q1", "Is water wet?"));
    reasoner.write("q1", 1);
    reasoner.fail("q1", "CUDA out of memory");
    tick();
    Answer answer = answers.readValue();
    assertEquals(AnswerStatus.FAILED, answer.getStatus());
    assertEquals("CUDA out of memory", answer.getError());
    assertEquals(1, memory.readValuesToList().size());
    assertNull(pendingStore().get("q1"));
    assertEquals(1.0, registry.get("memreason.questions").tag("outcome", "failed").counter().count());
  }

  @Test
  void aQuestionTheModelRefusesIsAnsweredFailedAndTheNextOneStillGoesIn() {
    start();
    reasoner.failEverySubmission(new IllegalArgumentException("prompt longer than engine.max-total-tokens"));
    send(question("q1", "Is water wet?"));
    Answer answer = answers.readValue();
    assertEquals(AnswerStatus.FAILED, answer.getStatus());
    assertTrue(answer.getError().contains("prompt longer than engine.max-total-tokens"), answer.getError());
    assertNull(pendingStore().get("q1"));
  }

  @Test
  void aQuestionWaitsInThePendingStoreWhileTheModelIsFullAndGoesInOnceThereIsRoom() {
    start();
    send(question("q1", "Is water wet?"));
    reasoner.write("q1", 2);
    reasoner.refuse(2, () -> {});
    // process() does not wait for room: q2 and q3 are read, stored, and wait.
    send(question("q2", "Is fire cold?"));
    send(question("q3", "Is ice hot?"));
    assertEquals(List.of("q1"), submittedIds());
    assertEquals(0, pendingStore().get("q2").getEmittedSteps());
    assertEquals(0, pendingStore().get("q3").getEmittedSteps());
    assertEquals(2.0, registry.get("memreason.waiting.questions").gauge().value());

    // The model finishes q1 while it is still full: q1's answer goes out meanwhile.
    reasoner.finish("q1");
    tick();
    assertEquals("q1", answers.readValue().getQuestionId());
    assertEquals(4, memory.readValuesToList().size() + reason.readValuesToList().size());
    assertEquals(List.of("q1"), submittedIds());

    tick(); // room: the waiting questions go in, in the order they were read
    assertEquals(List.of("q1", "q2", "q3"), submittedIds());
    assertEquals(0.0, registry.get("memreason.waiting.questions").gauge().value());
  }

  @Test
  void aTaskHasAtMostTheModelsCapacityInFlightAndTheRestWaitsInOrder() {
    start();
    MemreasonConfig.Engine engine = CONFIG.engine();
    int capacity = engine.workers() * (engine.maxBatch() + engine.queueCapacity());
    for (int i = 0; i < capacity + 3; i++) {
      send(question("q" + i, "Is water wet?"));
    }
    assertEquals(capacity, reasoner.submitted.size());
    reasoner.finish("q0");
    reasoner.finish("q1");
    tick();
    assertEquals(List.of("q" + capacity, "q" + (capacity + 1)),
        submittedIds().subList(capacity, capacity + 2));
    assertEquals(1.0, registry.get("memreason.waiting.questions").gauge().value());
  }

  @Test
  void restoredQuestionsGoToTheModelOldestFirst() {
    start();
    for (String id : List.of("c", "a", "b")) {
      pendingStore().put(id, new PendingQuestion(question(id, "Is water wet?"), 0, ManualReasoner.VERSION,
          START.plusSeconds(List.of("c", "a", "b").indexOf(id)), null, null, false));
    }
    tick();
    assertEquals(List.of("c", "a", "b"), submittedIds());
  }

  @Test
  void aPunctuationUpdatesAQuestionsPendingEntryOnceHoweverManyStepsWentOut() {
    CountingStore.Supplier store = new CountingStore.Supplier(InferenceTopology.PENDING_STORE);
    start(store);
    send(question("q1", "Is water wet?"));
    assertEquals(1, store.puts(), "the question is recorded when it is read");
    reasoner.write("q1", 3);
    tick();
    assertEquals(3, memory.readValuesToList().size() + reason.readValuesToList().size());
    assertEquals(2, store.puts(), "three steps, one update");
    assertEquals(3, pendingStore().get("q1").getEmittedSteps());
    reasoner.finish("q1");
    tick();
    assertEquals(2, store.puts(), "the answer deletes the entry without updating it first");
    assertNull(pendingStore().get("q1"));
  }

  private List<String> submittedIds() {
    return reasoner.submitted.stream().map(r -> r.id()).toList();
  }

  @Test
  void aQuestionWithoutAnAnswerInTimeIsCancelledAndAnsweredFailed() {
    start();
    send(question("q1", "Is water wet?"));
    driver.advanceWallClockTime(Duration.ofMillis(CONFIG.pipeline().answerTimeoutMs() + 1));
    Answer answer = answers.readValue();
    assertEquals(AnswerStatus.FAILED, answer.getStatus());
    assertEquals("no answer within pipeline.answer-timeout-ms=60000", answer.getError());
    assertTrue(reasoner.cancelled.contains("q1"));
    assertNull(pendingStore().get("q1"));
  }

  @Test
  void theSeedComesFromTheQuestionAndTheModelVersion() {
    start();
    send(question("q1", "Is water wet?"));
    long seed = reasoner.submitted.get(0).decoding().seed();
    assertEquals(ReasoningRequests.seed("q1", ManualReasoner.VERSION), seed);
    assertTrue(seed != ReasoningRequests.seed("q1", "another-version"));
    assertTrue(seed != ReasoningRequests.seed("q2", ManualReasoner.VERSION));
  }

  // --- Given steps, verified memory, automatic revisions -----------------------------------------------------

  private static final Question WHERE_BORN = Question.newBuilder().setId("q1").setText("Where was Ilva born?")
      .setTask(Task.ATLAS).setSubmittedAt(START).build();

  /** Memory steps that say "Kesh" are contradicted by the fact that Ilva was born in Tarsen. */
  private static final MemoryVerifier KESH_IS_WRONG = text -> text.contains("Kesh")
      ? Verification.contradicted("Ilva was born in Tarsen.", "test-facts") : Verification.supported("test-facts");

  private void startVerifying(String mode, Optional<MemoryVerifier> verifier) {
    config = CONFIG.with(Map.of("pipeline.verify", mode));
    this.verifier = verifier;
    start();
    revisions = driver.createOutputTopic(config.topics().questions(), new StringDeserializer(),
        serdes.serde(Question.class).deserializer());
  }

  private TestOutputTopic<String, Question> revisions;

  private List<ReasoningStep> published() {
    List<ReasoningStep> all = new ArrayList<>(memory.readValuesToList());
    all.addAll(reason.readValuesToList());
    all.sort(java.util.Comparator.comparing(ReasoningStep::getQuestionId).thenComparing(ReasoningStep::getIndex));
    return all;
  }

  @Test
  void givenStepsArePublishedFirstFlaggedGivenAndTheGeneratedStepsFollowWithTheirIndexes() {
    start();
    Question q = Question.newBuilder(WHERE_BORN).setGivenSteps(List.of(
        new GivenStep(StepKind.MEMORY, "Ilva was born in Tarsen."), new GivenStep(StepKind.REASON, "So Ilva is from Tarsen.")))
        .setRevises(new RevisedStep("q0", 1, null, "v0", 1)).build();
    send(q);
    assertEquals(List.of(new StepText(io.memreason.reasoning.StepKind.MEMORY, "Ilva was born in Tarsen."),
        new StepText(io.memreason.reasoning.StepKind.REASON, "So Ilva is from Tarsen.")),
        reasoner.submitted.get(0).givenSteps(), "the model is asked to continue after them");
    reasoner.write("q1", 3);
    tick();
    List<ReasoningStep> steps = published();
    assertEquals(List.of(0, 1, 2), steps.stream().map(ReasoningStep::getIndex).toList());
    assertEquals(List.of(true, true, false), steps.stream().map(ReasoningStep::getGiven).toList());
    assertEquals(3, pendingStore().get("q1").getEmittedSteps());
    reasoner.finish("q1");
    tick();
    Answer answer = answers.readValue();
    assertEquals(2 + ManualReasoner.SCRIPT.size(), answer.getSteps().size());
    assertEquals(List.of(true, true, false, false, false, false),
        answer.getSteps().stream().map(ReasoningStep::getGiven).toList());
    assertEquals(q.getRevises(), answer.getRevises(), "the answer links its question's original");
  }

  @Test
  void givenStepsThatBreakTheRulesAreDeadLetteredLikeAnyBadQuestion() {
    start();
    send(Question.newBuilder(WHERE_BORN).setGivenSteps(List.of(new GivenStep(StepKind.UNKNOWN, "x"))).build());
    send(Question.newBuilder(WHERE_BORN).setId("q2").setGivenSteps(List.of(new GivenStep(StepKind.MEMORY, " "))).build());
    send(Question.newBuilder(WHERE_BORN).setId("q3")
        .setGivenSteps(List.of(new GivenStep(StepKind.MEMORY, "x".repeat(CONFIG.pipeline().maxQuestionChars()))))
        .build());
    send(Question.newBuilder(WHERE_BORN).setId("q4").setRevises(new RevisedStep("q0", 0, null, null, 1)).build());
    List<String> errors = deadLetters.readValuesToList().stream().map(DeadLetter::getError).toList();
    assertEquals(4, errors.size(), errors.toString());
    assertTrue(errors.get(0).contains("givenSteps[0].kind is UNKNOWN"), errors.get(0));
    assertTrue(errors.get(1).contains("givenSteps[0].text is blank"), errors.get(1));
    assertTrue(errors.get(2).contains("the question with its given steps has"), errors.get(2));
    assertTrue(errors.get(3).contains("revises.stepIndex 0 names no given step"), errors.get(3));
    assertTrue(reasoner.submitted.isEmpty());
  }

  @Test
  void annotateCarriesEachMemoryStepsVerdictAndAsksNoRevision() {
    startVerifying("annotate", Optional.of(KESH_IS_WRONG));
    reasoner.script("q1", List.of(new StepText(io.memreason.reasoning.StepKind.MEMORY, "Ilva was born in Kesh."),
        new StepText(io.memreason.reasoning.StepKind.REASON, "So Ilva was born in Kesh.")));
    send(WHERE_BORN);
    reasoner.finish("q1");
    tick();
    List<ReasoningStep> steps = published();
    assertEquals(MemoryVerdict.CONTRADICTED, steps.get(0).getVerification().getVerdict());
    assertEquals("Ilva was born in Tarsen.", steps.get(0).getVerification().getCorrectFact());
    assertEquals("test-facts", steps.get(0).getVerification().getVerifier());
    assertNull(steps.get(0).getVerification().getRevisionId());
    assertNull(steps.get(1).getVerification(), "reason steps are not checked");
    assertEquals(MemoryVerdict.CONTRADICTED, answers.readValue().getSteps().get(0).getVerification().getVerdict());
    assertTrue(revisions.isEmpty(), "annotate asks nothing");
    assertEquals(1.0, registry.get("memreason.memory.verdicts").tag("verdict", "contradicted").counter().count());
  }

  @Test
  void reviseAsksOneRevisionAtTheFirstContradictedMemoryStepAndAgainNoneAfterARestart() {
    startVerifying("revise", Optional.of(KESH_IS_WRONG));
    reasoner.script("q1", List.of(new StepText(io.memreason.reasoning.StepKind.MEMORY, "Ilva is 30 years old."),
        new StepText(io.memreason.reasoning.StepKind.MEMORY, "Ilva was born in Kesh."),
        new StepText(io.memreason.reasoning.StepKind.MEMORY, "Kesh is in Varn."),
        new StepText(io.memreason.reasoning.StepKind.REASON, "So Ilva was born in Varn.")));
    send(WHERE_BORN);
    reasoner.write("q1", 2);
    tick();

    List<Question> asked = revisions.readValuesToList();
    String revisionId = AutomaticRevisions.id("q1", 1);
    assertEquals(List.of(revisionId), asked.stream().map(Question::getId).toList(), "one revision, in the step's commit");
    Question revision = asked.get(0);
    assertEquals(List.of(new GivenStep(StepKind.MEMORY, "Ilva is 30 years old."),
        new GivenStep(StepKind.MEMORY, "Ilva was born in Tarsen.")), revision.getGivenSteps());
    assertEquals("q1", revision.getRevises().getQuestionId());
    assertEquals(1, revision.getRevises().getStepIndex());
    assertEquals(ManualReasoner.VERSION, revision.getRevises().getModelVersion());
    assertEquals(1, revision.getRevises().getDepth());
    assertEquals("memory step 1 'Ilva was born in Kesh.' is contradicted by test-facts: Ilva was born in Tarsen.",
        revision.getRevises().getReason());
    List<ReasoningStep> steps = published();
    assertEquals(revisionId, steps.get(1).getVerification().getRevisionId(), "the step says which question revises it");
    assertEquals(revisionId, pendingStore().get("q1").getAutomaticRevisionId());
    assertEquals(List.of("q1", revisionId), reasoner.submitted.stream().map(ReasoningRequest::id).toList(),
        "the pipeline answers its revision like any question");

    // The process dies; the next owner regenerates both traces from the changelog's state.
    reasoner.write("q1", 1); // step 2 contradicted too, written but lost with the outbox
    List<KeyValue<String, PendingQuestion>> state = new ArrayList<>();
    pendingStore().all().forEachRemaining(state::add);
    driver.close();
    drivers.remove(driver);
    startVerifying("revise", Optional.of(KESH_IS_WRONG));
    reasoner.script("q1", List.of(new StepText(io.memreason.reasoning.StepKind.MEMORY, "Ilva is 30 years old."),
        new StepText(io.memreason.reasoning.StepKind.MEMORY, "Ilva was born in Kesh."),
        new StepText(io.memreason.reasoning.StepKind.MEMORY, "Kesh is in Varn."),
        new StepText(io.memreason.reasoning.StepKind.REASON, "So Ilva was born in Varn.")));
    state.forEach(kv -> pendingStore().put(kv.key, kv.value));
    tick();
    reasoner.finish("q1");
    reasoner.finish(revisionId);
    tick();

    assertTrue(revisions.isEmpty(), "no revision is asked twice, and none for a later contradicted step");
    List<ReasoningStep> after = published();
    assertEquals(List.of(2, 3), after.stream().filter(s -> s.getQuestionId().equals("q1"))
        .map(ReasoningStep::getIndex).toList(), "the rest of the trace, once");
    Map<String, Answer> answered = answers.readKeyValuesToMap();
    assertEquals(revisionId, answered.get("q1").getSteps().get(1).getVerification().getRevisionId());
    assertNull(answered.get("q1").getSteps().get(2).getVerification().getRevisionId());
    Answer revised = answered.get(revisionId);
    assertEquals("q1", revised.getRevises().getQuestionId());
    assertEquals(List.of(true, true, false, false, false, false),
        revised.getSteps().stream().map(ReasoningStep::getGiven).toList());
  }

  @Test
  void aRevisionAsDeepAsTheLimitIsAnnotatedButNotRevisedAgain() {
    startVerifying("revise", Optional.of(KESH_IS_WRONG));
    Question deep = Question.newBuilder(WHERE_BORN)
        .setGivenSteps(List.of(new GivenStep(StepKind.MEMORY, "Ilva is 30 years old.")))
        .setRevises(new RevisedStep("q0", 0, "an earlier contradiction", "v1", CONFIG.pipeline().verifyMaxDepth()))
        .build();
    reasoner.script("q1", List.of(new StepText(io.memreason.reasoning.StepKind.MEMORY, "Ilva was born in Kesh.")));
    send(deep);
    reasoner.finish("q1");
    tick();
    assertEquals(MemoryVerdict.CONTRADICTED, published().get(1).getVerification().getVerdict());
    assertTrue(revisions.isEmpty());
  }

  @Test
  void theKnowledgeTopicIsAGlobalTableOfFactsAndATombstoneForgetsASubject() {
    startVerifying("annotate", Optional.empty());
    TestInputTopic<String, byte[]> knowledge = driver.createInputTopic(config.topics().knowledge(),
        new org.apache.kafka.common.serialization.StringSerializer(), new ByteArraySerializer());
    knowledge.pipeInput("Ilva", serdes.serde(Knowledge.class).serializer().serialize("k", new Knowledge("Ilva",
        List.of(new KnownFact("Ilva was born in Tarsen.", "Tarsen")), "atlas")));
    knowledge.pipeInput("Kesh", new byte[] {1, 2, 3}); // not a Knowledge record: nothing known of Kesh
    List<StepText> script = List.of(new StepText(io.memreason.reasoning.StepKind.MEMORY, "Ilva was born in Kesh."),
        new StepText(io.memreason.reasoning.StepKind.MEMORY, "Kesh is in Varn."));
    reasoner.script("q1", script);
    send(WHERE_BORN);
    reasoner.finish("q1");
    tick();
    List<ReasoningStep> steps = published();
    assertEquals(MemoryVerdict.CONTRADICTED, steps.get(0).getVerification().getVerdict());
    assertEquals("Ilva was born in Tarsen.", steps.get(0).getVerification().getCorrectFact());
    assertEquals("knowledge:atlas", steps.get(0).getVerification().getVerifier());
    assertEquals(MemoryVerdict.UNKNOWN, steps.get(1).getVerification().getVerdict());

    knowledge.pipeInput("Ilva", (byte[]) null);
    reasoner.script("q2", script);
    send(Question.newBuilder(WHERE_BORN).setId("q2").build());
    reasoner.finish("q2");
    tick();
    assertEquals(MemoryVerdict.UNKNOWN, published().get(0).getVerification().getVerdict(), "Ilva is forgotten");
  }
}

