package io.memreason.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.avro.Answer;
import io.memreason.avro.AnswerStatus;
import io.memreason.avro.GivenStep;
import io.memreason.avro.Question;
import io.memreason.avro.ReasoningStep;
import io.memreason.avro.RevisedStep;
import io.memreason.avro.StepKind;
import io.memreason.config.MemreasonConfig;
import io.memreason.kafka.EmbeddedKafka;
import io.memreason.kafka.EmbeddedKafkaExtension;
import io.memreason.reasoning.Reasoner;
import io.memreason.training.DefaultModel;
import io.memreason.training.atlas.AtlasDataset;
import io.memreason.training.atlas.AtlasQuestion;
import io.memreason.training.atlas.EntityKind;
import io.memreason.training.atlas.QuestionType;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Questions with given steps produced to the questions topic, as any producer may send them (here: revisions that put
 * another birth city in the one memory step of a lookup), on the default model: the given steps go out first,
 * flagged given, the model continues after them, and its answer follows the given step.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class RevisionIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(90);
  private static final AtlasDataset DATASET = DefaultModel.defaultRecipe().dataset();

  /** Lookups of a birth city: the answer is what the one memory step recalls. */
  static List<AtlasQuestion> birthplaceLookups(int count) {
    return DATASET.test().stream().filter(q -> q.type() == QuestionType.WHERE_BORN).limit(count).toList();
  }

  /** A city other than the question's answer. */
  static String anotherCity(AtlasQuestion q) {
    return DATASET.world().names(EntityKind.CITY).stream().filter(c -> !c.equals(q.answer())).findFirst().orElseThrow();
  }

  @Test
  void aRevisionOnTheTopicStartsFromItsGivenStepsAndTheModelContinuesFromThem(EmbeddedKafka kafka) throws Exception {
    MemreasonConfig config = PipelineFixture.withTopics(PipelineFixture.config(kafka.bootstrapServers(), "revision"));
    List<AtlasQuestion> lookups = birthplaceLookups(4);
    List<Question> originals = new ArrayList<>();
    for (int i = 0; i < lookups.size(); i++) {
      originals.add(PipelineFixture.question("o" + i, lookups.get(i).question()));
    }
    try (Reasoner reasoner = PipelineFixture.reasoner();
         InferencePipeline pipeline = InferencePipeline.start(config, reasoner, new SimpleMeterRegistry());
         PublishedRecords published = new PublishedRecords(config)) {
      pipeline.awaitRunning(TIMEOUT);
      PipelineFixture.produce(config, originals, List.of());
      published.pollUntil(() -> published.answers.size() >= originals.size(), TIMEOUT, "the originals' answers");

      List<Question> revisions = new ArrayList<>();
      for (int i = 0; i < lookups.size(); i++) {
        AtlasQuestion q = lookups.get(i);
        revisions.add(PipelineFixture.revision("r" + i, q.question(), List.of(new GivenStep(StepKind.MEMORY,
            q.about().get(0) + " was born in " + anotherCity(q) + ".")),
            new RevisedStep("o" + i, 0, null, reasoner.modelVersion(), 1)));
      }
      PipelineFixture.produce(config, revisions, List.of());
      published.pollUntil(() -> published.answers.size() >= originals.size() + revisions.size(), TIMEOUT,
          "the revisions' answers");
      published.drainFor(Duration.ofMillis(500));

      List<String> ids = new ArrayList<>(originals.stream().map(Question::getId).toList());
      revisions.forEach(r -> ids.add(r.getId()));
      published.assertEachAnsweredOnceWithEachStepOnce(ids);
      Map<String, Answer> answers = published.answers.stream()
          .collect(Collectors.toMap(ConsumerRecord::key, ConsumerRecord::value));
      int followed = 0;
      for (int i = 0; i < lookups.size(); i++) {
        Answer original = answers.get("o" + i);
        Answer revision = answers.get("r" + i);
        assertEquals(AnswerStatus.OK, revision.getStatus());
        assertEquals(revisions.get(i).getRevises(), revision.getRevises(), "the answer links the original");
        ReasoningStep given = revision.getSteps().get(0);
        assertTrue(given.getGiven());
        assertEquals(revisions.get(i).getGivenSteps().get(0).getText(), given.getText());
        assertTrue(revision.getSteps().stream().skip(1).noneMatch(ReasoningStep::getGiven), "generated after it");
        assertFalse(original.getSteps().get(0).getGiven());
        followed += anotherCity(lookups.get(i)).equals(revision.getLabel()) ? 1 : 0;
      }
      System.out.printf("RevisionIT: %d of %d revised lookups answer the given city%n", followed, lookups.size());
      assertTrue(followed >= lookups.size() - 1, followed + " of " + lookups.size()
          + " revisions answer what their given step says");
    }
  }
}
