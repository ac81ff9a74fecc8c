package io.memreason.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.avro.GivenStep;
import io.memreason.kafka.CommittedRecords;
import io.memreason.avro.Question;
import io.memreason.avro.ReasoningStep;
import io.memreason.avro.RevisedStep;
import io.memreason.avro.StepKind;
import io.memreason.config.MemreasonConfig;
import io.memreason.kafka.EmbeddedKafka;
import io.memreason.kafka.EmbeddedKafkaExtension;
import io.memreason.pipeline.serde.AvroSerdes;
import io.memreason.training.DefaultModel;
import io.memreason.training.atlas.AtlasDataset;
import io.memreason.training.atlas.AtlasQuestion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Revisions and a pipeline killed without warning while it answers them, as {@link CrashRecoveryIT} does it: the
 * process runs with {@code pipeline.verify=revise} (the atlas world's truth) and answers revisions produced to the
 * topic (a trace's first steps given) and questions about the held-out birthplaces, whose hallucinated memory steps it
 * revises itself. Killed three times mid-trace and started again; in the end every question, every revision the
 * pipeline asked included, has exactly one answer, each step was published once (given steps included, a regenerated
 * continuation the same as the one half published), and each automatic revision was asked once.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class RevisionCrashIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(180);
  private static final List<Integer> KILL_AFTER_ANSWERS = List.of(8, 20, 35);
  private static final AtlasDataset DATASET = DefaultModel.defaultRecipe().dataset();

  /** Revisions of multi-step test questions: their gold trace's first step given, the model writes the rest. */
  private static List<Question> revisions(int count) {
    List<AtlasQuestion> multiStep = DATASET.test().stream().filter(q -> q.cotSteps().size() > 2).toList();
    List<Question> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      AtlasQuestion q = multiStep.get(i % multiStep.size());
      String first = q.cotSteps().get(0).substring(q.cotSteps().get(0).indexOf("]: ") + 3);
      out.add(PipelineFixture.revision("rev" + i, q.question(), List.of(new GivenStep(StepKind.MEMORY, first)),
          new RevisedStep("orig" + i, 0, null, "default-model", 1)));
    }
    return out;
  }

  /** Questions about the held-out birthplaces, which the model guesses: many are revised by the pipeline. */
  private static List<Question> heldOut(int count) {
    List<AtlasQuestion> asked = Stream.of(DATASET.heldOut(), DATASET.heldOutTest()).flatMap(List::stream).toList();
    List<Question> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(PipelineFixture.question("held" + i, asked.get(i % asked.size()).question()));
    }
    return out;
  }

  @Test
  void killedWhileAnsweringRevisionsAndRestartedLosesAndDuplicatesNothing(EmbeddedKafka kafka) throws Exception {
    String name = "revcrash-" + UUID.randomUUID().toString().substring(0, 8);
    MemreasonConfig config = PipelineFixture.withTopics(PipelineFixture.configNamed(kafka.bootstrapServers(), name));
    PipelineFixture.defaultModel(); // built here, not by a pipeline process that is killed
    List<Question> asked = new ArrayList<>(revisions(30));
    asked.addAll(heldOut(24));
    PipelineFixture.produce(config, asked, List.of());
    int killsMidRevision = 0;

    try (PublishedRecords published = new PublishedRecords(config)) {
      for (int run = 0; run < KILL_AFTER_ANSWERS.size(); run++) {
        int threshold = KILL_AFTER_ANSWERS.get(run);
        Process process = startPipelineProcess(kafka, name, run);
        try {
          published.pollUntil(() -> published.answers.size() >= threshold
              && (!revisionsMidTrace(published).isEmpty() || published.answers.size() >= threshold + 15),
              TIMEOUT, threshold + " answers");
        } finally {
          process.destroyForcibly().waitFor();
        }
        published.drainFor(Duration.ofMillis(500));
        Set<String> midTrace = revisionsMidTrace(published);
        if (!midTrace.isEmpty()) {
          killsMidRevision++;
        }
        System.out.printf("RevisionCrashIT: killed run %d after %d answers; revisions mid-trace: %s%n", run,
            published.answers.size(), midTrace);
      }
      Process last = startPipelineProcess(kafka, name, KILL_AFTER_ANSWERS.size());
      try {
        published.pollUntil(() -> published.answers.size() >= asked.size()
            && automaticRevisions(published).stream().allMatch(id -> answered(published).contains(id)),
            TIMEOUT, "every question and every revision the pipeline asked answered");
        published.drainFor(Duration.ofSeconds(1));
      } finally {
        last.destroyForcibly().waitFor();
      }

      Set<String> automatic = automaticRevisions(published);
      List<String> all = new ArrayList<>(asked.stream().map(Question::getId).toList());
      all.addAll(automatic);
      published.assertEachAnsweredOnceWithEachStepOnce(all);
      Map<String, Integer> onTopic = questionsOnTheTopic(config);
      for (String id : automatic) {
        assertEquals(1, onTopic.get(id), "the pipeline asked revision " + id + " once");
      }
      assertEquals(asked.size() + automatic.size(), onTopic.size(), "no other question was asked");
      for (var answer : published.answers) {
        List<ReasoningStep> steps = answer.value().getSteps();
        long given = steps.stream().takeWhile(ReasoningStep::getGiven).count();
        assertEquals(given, steps.stream().filter(ReasoningStep::getGiven).count(), "given steps come first");
      }
      System.out.printf("RevisionCrashIT: %d questions and %d automatic revisions, each answered once%n",
          asked.size(), automatic.size());
      assertTrue(!automatic.isEmpty(), "the pipeline revised some hallucinated birthplaces");
    }
    assertTrue(killsMidRevision > 0, "at least one kill must hit a revision whose steps were partly published");
  }

  private static Set<String> answered(PublishedRecords published) {
    Set<String> ids = new HashSet<>();
    published.answers.forEach(a -> ids.add(a.key()));
    return ids;
  }

  /** Revisions (given steps published) whose answer is not out yet. */
  private static Set<String> revisionsMidTrace(PublishedRecords published) {
    Set<String> withGivenSteps = new HashSet<>();
    published.memorySteps.stream().filter(r -> r.value().getGiven()).forEach(r -> withGivenSteps.add(r.key()));
    withGivenSteps.retainAll(published.questionsMidTrace());
    return withGivenSteps;
  }

  /** The revisions the pipeline asked, as the contradicted steps name them. */
  private static Set<String> automaticRevisions(PublishedRecords published) {
    Set<String> ids = new HashSet<>();
    published.memorySteps.stream().map(r -> r.value().getVerification())
        .filter(v -> v != null && v.getRevisionId() != null).forEach(v -> ids.add(v.getRevisionId()));
    return ids;
  }

  /** How often each question id is on the questions topic (read_committed). */
  private static Map<String, Integer> questionsOnTheTopic(MemreasonConfig config) {
    String topic = config.topics().questions();
    var deserializer = AvroSerdes.forConfig(config.kafka()).serde(Question.class).deserializer();
    Map<String, Integer> counts = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : CommittedRecords.of(config, topic)) {
      counts.merge(Objects.requireNonNull(deserializer.deserialize(topic, r.value())).getId(), 1, Integer::sum);
    }
    return counts;
  }

  private static Process startPipelineProcess(EmbeddedKafka kafka, String name, int run) throws IOException {
    Path log = Path.of("target", "it-state", name + "-run" + run + ".log");
    Files.createDirectories(log.getParent());
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
        PipelineProcess.class.getName(), kafka.bootstrapServers(), name, "revise")
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }
}
