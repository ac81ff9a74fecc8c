package io.memreason.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.avro.Answer;
import io.memreason.kafka.CommittedRecords;
import io.memreason.avro.GivenStep;
import io.memreason.avro.Knowledge;
import io.memreason.avro.KnownFact;
import io.memreason.avro.MemoryVerdict;
import io.memreason.avro.Question;
import io.memreason.avro.ReasoningStep;
import io.memreason.avro.StepKind;
import io.memreason.config.MemreasonConfig;
import io.memreason.kafka.ClientProperties;
import io.memreason.kafka.EmbeddedKafka;
import io.memreason.kafka.EmbeddedKafkaExtension;
import io.memreason.pipeline.serde.AvroSerdes;
import io.memreason.reasoning.Reasoner;
import io.memreason.training.DefaultModel;
import io.memreason.training.atlas.AtlasDataset;
import io.memreason.training.atlas.AtlasQuestion;
import io.memreason.training.atlas.AtlasTruth;
import io.memreason.training.atlas.Fact;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The knowledge-checked memory on the default model: the atlas world's facts on the knowledge topic (keyed by
 * subject), questions about the held-out birthplaces that the model gets wrong, and the pipeline checking every memory
 * step it writes against the facts, in {@code annotate} and {@code revise} modes.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class MemoryVerifierIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  private static final AtlasDataset DATASET = DefaultModel.defaultRecipe().dataset();
  private static final AtlasTruth TRUTH = new AtlasTruth(DATASET.world());

  /** The held-out questions (the model guesses those birthplaces) and as many known ones. */
  private static List<Question> questions() {
    List<AtlasQuestion> asked = Stream.of(DATASET.heldOut(), DATASET.heldOutTest(), DATASET.test().subList(0, 20))
        .flatMap(List::stream).toList();
    List<Question> questions = new ArrayList<>();
    for (int i = 0; i < asked.size(); i++) {
      questions.add(PipelineFixture.question("v" + i, asked.get(i).question()));
    }
    return questions;
  }

  /** Every fact of the atlas world as Knowledge records keyed by subject, as a stream of facts would publish them. */
  private static void publishTheWorld(MemreasonConfig config) throws Exception {
    Map<String, List<KnownFact>> bySubject = new LinkedHashMap<>();
    for (Fact fact : DATASET.world().facts().values()) {
      bySubject.computeIfAbsent(fact.subject(), s -> new ArrayList<>()).add(new KnownFact(fact.sentence(), fact.object()));
    }
    var serializer = AvroSerdes.forConfig(config.kafka()).serde(Knowledge.class).serializer();
    String topic = config.topics().knowledge();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(ClientProperties.producer(config))) {
      for (var subject : bySubject.entrySet()) {
        producer.send(new ProducerRecord<>(topic, subject.getKey().getBytes(StandardCharsets.UTF_8),
            serializer.serialize(topic, new Knowledge(subject.getKey(), subject.getValue(), "atlas-world")))).get();
      }
    }
  }

  /** Every question on the questions topic, read_committed, to its end. */
  private static List<Question> questionsOnTheTopic(MemreasonConfig config) {
    String topic = config.topics().questions();
    var deserializer = AvroSerdes.forConfig(config.kafka()).serde(Question.class).deserializer();
    return CommittedRecords.of(config, topic).stream().map(r -> deserializer.deserialize(topic, r.value())).toList();
  }

  private static MemreasonConfig started(EmbeddedKafka kafka, String name, String mode) throws Exception {
    MemreasonConfig config = PipelineFixture.withTopics(PipelineFixture.config(kafka.bootstrapServers(), name)
        .with(Map.of("pipeline.verify", mode)));
    publishTheWorld(config); // before the pipeline starts: its global table is read to the end first
    return config;
  }

  private static List<ReasoningStep> generatedMemorySteps(PublishedRecords published) {
    return published.memorySteps.stream().map(ConsumerRecord::value).filter(s -> !s.getGiven()).toList();
  }

  @Test
  void annotateJudgesEveryMemoryStepTheModelWritesAgainstTheKnowledgeTopicAndAsksNothing(EmbeddedKafka kafka)
      throws Exception {
    MemreasonConfig config = started(kafka, "annotate", "annotate");
    List<Question> questions = questions();
    try (Reasoner reasoner = PipelineFixture.reasoner();
         InferencePipeline pipeline = InferencePipeline.start(config, reasoner, new SimpleMeterRegistry());
         PublishedRecords published = new PublishedRecords(config)) {
      pipeline.awaitRunning(TIMEOUT);
      PipelineFixture.produce(config, questions, List.of());
      published.pollUntil(() -> published.answers.size() >= questions.size(), TIMEOUT, "every answer");
      published.drainFor(Duration.ofMillis(500));

      published.assertEachAnsweredOnceWithEachStepOnce(questions.stream().map(Question::getId).toList());
      Map<MemoryVerdict, Integer> verdicts = new HashMap<>();
      for (ReasoningStep step : generatedMemorySteps(published)) {
        assertNotNull(step.getVerification(), "every memory step is checked: " + step);
        verdicts.merge(step.getVerification().getVerdict(), 1, Integer::sum);
        boolean isTrue = TRUTH.isTrue(io.memreason.reasoning.StepKind.MEMORY, step.getText());
        switch (step.getVerification().getVerdict()) {
          case SUPPORTED -> assertTrue(isTrue, "supported but false: " + step.getText());
          case CONTRADICTED -> {
            assertTrue(!isTrue, "contradicted but true: " + step.getText());
            assertEquals(TRUTH.factAbout(step.getText()).map(Fact::sentence).orElseThrow(),
                step.getVerification().getCorrectFact());
            assertEquals("knowledge:atlas-world", step.getVerification().getVerifier());
            assertNull(step.getVerification().getRevisionId(), "annotate revises nothing");
          }
          default -> { }
        }
      }
      for (var answer : published.answers) {
        answer.value().getSteps().stream().filter(s -> s.getKind() == StepKind.MEMORY)
            .forEach(s -> assertNotNull(s.getVerification(), "the answer's trace carries the verdicts too"));
      }
      System.out.println("MemoryVerifierIT annotate: memory verdicts " + verdicts);
      assertTrue(verdicts.getOrDefault(MemoryVerdict.CONTRADICTED, 0) > 0, "the held-out facts are hallucinated");
      assertTrue(verdicts.getOrDefault(MemoryVerdict.SUPPORTED, 0) > 0);
      assertEquals(questions.size(), questionsOnTheTopic(config).size(), "no revision was asked");
    }
  }

  @Test
  void reviseAsksOneRevisionWithTheCorrectFactPerContradictedTraceAndItIsAnsweredOnce(EmbeddedKafka kafka)
      throws Exception {
    MemreasonConfig config = started(kafka, "revise", "revise");
    List<Question> questions = questions();
    try (Reasoner reasoner = PipelineFixture.reasoner();
         InferencePipeline pipeline = InferencePipeline.start(config, reasoner, new SimpleMeterRegistry());
         PublishedRecords published = new PublishedRecords(config)) {
      pipeline.awaitRunning(TIMEOUT);
      PipelineFixture.produce(config, questions, List.of());
      published.pollUntil(() -> published.answers.size() >= questions.size(), TIMEOUT, "the questions' answers");
      // Each contradicted trace names its revision; wait for all of them (and theirs) to be answered.
      published.pollUntil(() -> {
        Set<String> answered = published.answers.stream().map(ConsumerRecord::key).collect(Collectors.toSet());
        return generatedMemorySteps(published).stream().map(s -> s.getVerification().getRevisionId())
            .filter(id -> id != null).allMatch(answered::contains);
      }, TIMEOUT, "the revisions' answers");
      published.drainFor(Duration.ofSeconds(1));

      List<Question> onTopic = questionsOnTheTopic(config);
      Map<String, Question> revisions = onTopic.stream().filter(q -> q.getRevises() != null)
          .collect(Collectors.toMap(Question::getId, q -> q));
      assertEquals(onTopic.size() - questions.size(), revisions.size(), "each revision asked once");
      assertTrue(!revisions.isEmpty(), "the hallucinated birthplaces are revised");
      List<String> all = new ArrayList<>(questions.stream().map(Question::getId).toList());
      all.addAll(revisions.keySet());
      published.assertEachAnsweredOnceWithEachStepOnce(all);

      Map<String, Answer> answers = published.answers.stream()
          .collect(Collectors.toMap(ConsumerRecord::key, ConsumerRecord::value));
      int repaired = 0;
      int wrongBefore = 0;
      for (Question revision : revisions.values()) {
        Answer original = answers.get(revision.getRevises().getQuestionId());
        ReasoningStep contradicted = original.getSteps().get(revision.getRevises().getStepIndex());
        assertEquals(MemoryVerdict.CONTRADICTED, contradicted.getVerification().getVerdict());
        assertEquals(revision.getId(), contradicted.getVerification().getRevisionId(), "the step names its revision");
        assertEquals(AutomaticRevisions.id(original.getQuestionId(), contradicted.getIndex()), revision.getId());
        assertTrue(original.getSteps().stream().filter(s -> s.getIndex() < contradicted.getIndex())
            .noneMatch(s -> s.getVerification() != null && s.getVerification().getRevisionId() != null),
            "at the trace's first contradicted memory step");
        List<GivenStep> given = revision.getGivenSteps();
        assertEquals(new GivenStep(StepKind.MEMORY, contradicted.getVerification().getCorrectFact()),
            given.get(given.size() - 1), "the correct fact is the last given step");
        assertTrue(revision.getRevises().getReason().contains("is contradicted by knowledge:atlas-world"),
            revision.getRevises().getReason());
        Answer revised = answers.get(revision.getId());
        assertEquals(revision.getRevises(), revised.getRevises());
        String gold = gold(original.getQuestion());
        if (!gold.equals(original.getLabel())) {
          wrongBefore++;
          repaired += gold.equals(revised.getLabel()) ? 1 : 0;
        }
      }
      System.out.printf("MemoryVerifierIT revise: %d revisions, %d of %d wrong answers repaired%n", revisions.size(),
          repaired, wrongBefore);
      assertTrue(repaired > 0, "some hallucinated birthplace is repaired by its revision");
    }
  }

  private static String gold(String question) {
    return Stream.of(DATASET.heldOut(), DATASET.heldOutTest(), DATASET.test()).flatMap(List::stream)
        .filter(q -> q.question().equals(question)).findFirst().orElseThrow().answer();
  }
}
