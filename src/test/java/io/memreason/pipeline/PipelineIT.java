package io.memreason.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.avro.Answer;
import io.memreason.avro.AnswerStatus;
import io.memreason.avro.DeadLetter;
import io.memreason.avro.Question;
import io.memreason.config.MemreasonConfig;
import io.memreason.kafka.EmbeddedKafka;
import io.memreason.kafka.EmbeddedKafkaExtension;
import io.memreason.reasoning.Reasoner;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The pipeline on a real broker, exactly-once, read back with read_committed consumers. */
@ExtendWith(EmbeddedKafkaExtension.class)
class PipelineIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(90);

  @Test
  void answersEveryQuestionOnceWithEachStepOnceOnTheTopicOfItsKind(EmbeddedKafka kafka) throws Exception {
    MemreasonConfig config = PipelineFixture.withTopics(PipelineFixture.config(kafka.bootstrapServers(), "flow"));
    List<Question> questions = PipelineFixture.questions("q", 200);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (Reasoner reasoner = PipelineFixture.reasoner();
         InferencePipeline pipeline = InferencePipeline.start(config, reasoner, registry);
         PublishedRecords published = new PublishedRecords(config)) {
      pipeline.awaitRunning(TIMEOUT);
      long started = System.nanoTime();
      PipelineFixture.produce(config, questions, List.of());
      published.pollUntil(() -> published.answers.size() >= questions.size(), TIMEOUT, "200 answers");
      System.out.printf("PipelineIT: 200 questions answered in %d ms%n", (System.nanoTime() - started) / 1_000_000);
      published.drainFor(Duration.ofMillis(500));

      published.assertEachAnsweredOnceWithEachStepOnce(questions.stream().map(Question::getId).toList());
      assertTrue(published.answers.stream().allMatch(a -> a.value().getStatus() == AnswerStatus.OK));
      assertTrue(published.deadLetters.isEmpty());
      assertEquals(200.0, registry.get("memreason.questions").tag("outcome", "ok").counter().count());
    }
  }

  @Test
  void poisonRecordsLandInDeadLettersWhileGoodQuestionsAreAnswered(EmbeddedKafka kafka) throws Exception {
    MemreasonConfig config = PipelineFixture.withTopics(PipelineFixture.config(kafka.bootstrapServers(), "poison")
        .with(Map.of("pipeline.max-question-chars", "400")));
    List<Question> good = PipelineFixture.questions("g", 10);
    // Valid, but its 300 tokens leave the engine (256 positions) no room to generate: the model refuses it.
    List<Question> bad = List.of(PipelineFixture.question("empty", " "), PipelineFixture.question("long", "?".repeat(401)),
        PipelineFixture.question("fails", "?".repeat(300)));
    byte[][] junk = {"junk".getBytes(StandardCharsets.UTF_8), {0x00, 0x01, 0x02}};
    byte[][] tombstone = {"t".getBytes(StandardCharsets.UTF_8), null};
    try (Reasoner reasoner = PipelineFixture.reasoner();
         InferencePipeline pipeline = InferencePipeline.start(config, reasoner, new SimpleMeterRegistry());
         PublishedRecords published = new PublishedRecords(config)) {
      pipeline.awaitRunning(TIMEOUT);
      PipelineFixture.produce(config, bad.subList(0, 2), List.of(junk, tombstone));
      PipelineFixture.produce(config, good, List.of());
      PipelineFixture.produce(config, bad.subList(2, 3), List.of());
      published.pollUntil(() -> published.answers.size() >= 11 && published.deadLetters.size() >= 4, TIMEOUT,
          "11 answers and 4 dead letters");
      published.drainFor(Duration.ofMillis(500));

      Map<String, DeadLetter> dead = published.deadLetters.stream()
          .collect(Collectors.toMap(r -> r.key(), r -> r.value()));
      assertEquals(Map.of("empty", "INVALID", "long", "INVALID", "junk", "UNDECODABLE", "t", "INVALID"),
          dead.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().getErrorType())));
      assertEquals(config.topics().questions(), dead.get("junk").getSourceTopic());
      assertEquals(java.nio.ByteBuffer.wrap(junk[1]), dead.get("junk").getValue());
      Map<String, Answer> answers = published.answers.stream().collect(Collectors.toMap(r -> r.key(), r -> r.value()));
      assertEquals(AnswerStatus.FAILED, answers.get("fails").getStatus());
      assertTrue(answers.get("fails").getError().startsWith("the model refused the question: "),
          answers.get("fails").getError());
      good.forEach(q -> assertEquals(AnswerStatus.OK, answers.get(q.getId()).getStatus()));
    }
  }

  @Test
  void anAnswerLargerThanItsTopicTakesBecomesAFailedAnswerThatFits(EmbeddedKafka kafka) throws Exception {
    MemreasonConfig config = PipelineFixture.config(kafka.bootstrapServers(), "small-answers");
    // The answers topic takes records of 4 KiB: an answer whose id (512 bytes) is in its key, its questionId and
    // every step is larger; the producer alone would let it through, and the broker would refuse it.
    try (var admin = org.apache.kafka.clients.admin.Admin.create(io.memreason.kafka.ClientProperties.admin(config))) {
      admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(config.topics().answers(), 3, (short) 1)
          .configs(Map.of("max.message.bytes", "4096")))).all().get();
    }
    PipelineFixture.withTopics(config);
    String longId = "\uD83D\uDE00".repeat(QuestionLimits.MAX_ID_CHARS);
    Question big = PipelineFixture.question(longId, PoisonRecords.KNOWN_MANY_STEPS);
    List<Question> small = PipelineFixture.questions("s", 3);
    try (Reasoner reasoner = PipelineFixture.reasoner();
         InferencePipeline pipeline = InferencePipeline.start(config, reasoner, new SimpleMeterRegistry());
         PublishedRecords published = new PublishedRecords(config)) {
      pipeline.awaitRunning(TIMEOUT);
      PipelineFixture.produce(config, List.of(big), List.of());
      PipelineFixture.produce(config, small, List.of());
      published.pollUntil(() -> published.answers.size() >= 4, TIMEOUT, "4 answers");
      published.drainFor(Duration.ofMillis(500));

      Map<String, Answer> answers = published.answers.stream().collect(Collectors.toMap(r -> r.key(), r -> r.value()));
      assertEquals(AnswerStatus.FAILED, answers.get(longId).getStatus());
      assertTrue(answers.get(longId).getError().contains("more than the 2048 bytes topic " + config.topics().answers()),
          answers.get(longId).getError());
      small.forEach(q -> assertEquals(AnswerStatus.OK, answers.get(q.getId()).getStatus()));
      assertEquals(KafkaStreams.State.RUNNING, pipeline.state());
    }
  }

  @Test
  void closingDrainsTheQuestionsWithTheModelAndTheNextInstanceAnswersTheRest(EmbeddedKafka kafka) throws Exception {
    // One question at a time, so that many wait with the model (one running, sixteen queued) when it is closed.
    MemreasonConfig config = PipelineFixture.withTopics(PipelineFixture.config(kafka.bootstrapServers(), "drain")
        .with(Map.of("engine.workers", "1", "engine.max-batch", "1")));
    List<Question> questions = PipelineFixture.questions("d", 60);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (Reasoner reasoner = PipelineFixture.reasoner(config);
         PublishedRecords published = new PublishedRecords(config)) {
      InferencePipeline first = InferencePipeline.start(config, reasoner, registry);
      first.awaitRunning(TIMEOUT);
      PipelineFixture.produce(config, questions, List.of());
      published.pollUntil(() -> published.answers.size() >= 5, TIMEOUT, "5 answers");
      int answeredBefore = published.answers.size();
      double withTheModel = registry.get("memreason.pending.questions").gauge().value();
      first.close();
      published.drainFor(Duration.ofMillis(500));
      int drained = published.answers.size() - answeredBefore;
      System.out.printf("PipelineIT: closed with %.0f questions in flight; %d answered while draining%n", withTheModel,
          drained);

      assertTrue(withTheModel > 1, "questions were with the model: " + withTheModel);
      assertTrue(drained >= withTheModel, "every question with the model was answered before the pipeline closed");
      assertEquals(java.util.Set.of(), published.questionsMidTrace(), "no trace is left half published");
      try (InferencePipeline second = InferencePipeline.start(config, reasoner, new SimpleMeterRegistry())) {
        published.pollUntil(() -> published.answers.size() >= questions.size(), TIMEOUT, "all answers");
        published.drainFor(Duration.ofMillis(500));
      }
      published.assertEachAnsweredOnceWithEachStepOnce(questions.stream().map(Question::getId).toList());
    }
  }
}
