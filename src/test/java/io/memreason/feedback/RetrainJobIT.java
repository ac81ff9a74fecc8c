package io.memreason.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import io.memreason.avro.ModelStatus;
import io.memreason.avro.ModelVersion;
import io.memreason.avro.StepKind;
import io.memreason.avro.Task;
import io.memreason.avro.TrainingExample;
import io.memreason.avro.TrainingStep;
import io.memreason.avro.Verdict;
import io.memreason.config.MemreasonConfig;
import io.memreason.kafka.EmbeddedKafka;
import io.memreason.kafka.EmbeddedKafkaExtension;
import io.memreason.registry.Manifest;
import io.memreason.registry.ModelRegistry;
import io.memreason.registry.ModelSource;
import io.memreason.registry.ModelVersionPublisher;
import io.memreason.registry.PromotionGate;
import io.memreason.registry.RegisteredVersion;
import io.memreason.registry.RetrainLock;
import io.memreason.registry.VersionName;
import io.memreason.training.SeedExample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The retraining job against a real broker, with the scripted fact-book model: labelled traces on the topic in, a
 * promoted or rejected version in the registry and on the model-versions topic out.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class RetrainJobIT {
  /** Known to version 1 and in the evaluation set. */
  private static final Map<String, String> KNOWN = Map.of("Where was Bram born?", "Tarsen",
      "Where was Cato born?", "Molvia", "Where was Dara born?", "Varn");
  /** Not known to version 1: taught by the labels. */
  private static final Map<String, String> HELD_OUT = Map.of("Where was Ilva born?", "Osk",
      "Where was Juno born?", "Pell", "Where was Kest born?", "Rhun");

  @TempDir
  Path dir;

  private MemreasonConfig config;
  private ModelRegistry registry;
  private ModelSource firstVersion;
  private Path evaluation;

  @BeforeEach
  void world(EmbeddedKafka kafka) throws IOException {
    config = LearningFixture.config(kafka.bootstrapServers(), "retrain", dir.resolve("registry"), Map.of());
    registry = new ModelRegistry(dir.resolve("registry"), 3, Clock.systemUTC());
    FactBook book = FactBook.empty();
    for (var known : KNOWN.entrySet()) {
      book = book.with(known.getKey(), new FactBook.Fact(fact(known.getKey(), known.getValue()), known.getValue()));
    }
    book.writeTo(dir.resolve("v1-adapter"));
    Files.createDirectories(dir.resolve("base"));
    firstVersion = new ModelSource("bootstrap", dir.resolve("base"), Optional.of(dir.resolve("v1-adapter")));
    List<SeedExample> items = new ArrayList<>();
    KNOWN.forEach((q, a) -> items.add(new SeedExample(q, a, List.of("[rag]: " + fact(q, a)), "test")));
    HELD_OUT.forEach((q, a) -> items.add(new SeedExample(q, a, List.of("[rag]: " + fact(q, a)), "test")));
    evaluation = dir.resolve("eval.json");
    Files.writeString(evaluation, new Gson().toJson(items));
  }

  private static String fact(String question, String place) {
    return question.substring("Where was ".length(), question.length() - " born?".length()) + " was born in " + place + ".";
  }

  private final List<RetrainJob> opened = new ArrayList<>();

  @AfterEach
  void closeClients() {
    opened.forEach(RetrainJob::close);
  }

  private RetrainJob job(FactBookTrainer trainer, int afterExamples) {
    RetrainJob.Parts parts = new RetrainJob.Parts(registry, new ModelVersionPublisher(config),
        new LabelledTraceLog(config), trainer,
        source -> new FactBookReasoner(source.version(), FactBook.in(source.adapter()), Duration.ZERO),
        EvaluationSet.read(evaluation, io.memreason.reasoning.Task.ATLAS));
    RetrainJob.Settings settings = new RetrainJob.Settings(new RetrainPolicy(afterExamples, 0),
        new PromotionGate(0.02), () -> firstVersion, List.of(), 0, 42, 64, Duration.ofMinutes(1), Duration.ofMinutes(5));
    RetrainJob job = new RetrainJob(parts, settings, Clock.systemUTC());
    opened.add(job);
    return job;
  }

  /** A label of version 1's answer to a question: corrected when {@code correction} is given. */
  private static TrainingExample label(String question, Verdict verdict, String answer, String correctedMemory) {
    TrainingStep memory = TrainingStep.newBuilder().setKind(StepKind.MEMORY)
        .setText(correctedMemory == null ? "The answer to that is Nowhere." : correctedMemory)
        .setCorrect(verdict == Verdict.CORRECT).setCorrected(correctedMemory != null).build();
    return TrainingExample.newBuilder().setQuestionId(question).setQuestion(question).setTask(Task.ATLAS)
        .setSteps(List.of(memory)).setAnswer(answer).setVerdict(verdict).setCorrected(correctedMemory != null)
        .setWrongSteps(verdict == Verdict.CORRECT ? List.of() : List.of(0)).setModelVersion("v1")
        .setLabeller("test").setLabelledAt(Instant.now()).build();
  }

  private void produceCorrections(Map<String, String> facts) {
    Map<String, TrainingExample> labels = new LinkedHashMap<>();
    facts.forEach((q, a) -> labels.put(q, label(q, Verdict.INCORRECT, a, fact(q, a))));
    LearningFixture.produce(config, config.topics().trainingExamples(), TrainingExample.class, labels);
  }

  private Map<String, ModelVersion> announced() {
    return LearningFixture.readAll(config, config.topics().modelVersions(), ModelVersion.class).stream()
        .collect(Collectors.toMap(r -> r.key(), r -> r.value(), (earlier, later) -> later));
  }

  @Test
  void learnsTheCorrectionsAndPromotesTheCandidateThatScoresBetter() throws Exception {
    produceCorrections(HELD_OUT);
    LearningFixture.produce(config, config.topics().trainingExamples(), TrainingExample.class, Map.of(
        "Where was Bram born?", label("Where was Bram born?", Verdict.CORRECT, "Tarsen", null),
        "Where was Zed born?", label("Where was Zed born?", Verdict.INCORRECT, null, null)));
    FactBookTrainer trainer = new FactBookTrainer(FactBookTrainer.Behaviour.LEARNS);

    RetrainJob.Outcome outcome = job(trainer, 3).run(RetrainJob.When.IF_DUE);

    assertEquals(RetrainJob.Result.PROMOTED, outcome.result(), outcome.message());
    assertEquals(4, trainer.lastData.traces().size(), "3 corrected and 1 correct; the uncorrected wrong one is left out");
    RegisteredVersion v2 = registry.serving().orElseThrow();
    assertEquals(new VersionName("v2"), v2.name());
    assertEquals(Optional.of("v1"), v2.manifest().parentVersion());
    assertEquals(1.0, v2.manifest().metric(Manifest.EVAL_ACCURACY).orElseThrow());
    assertEquals(0.5, v2.manifest().metric(RetrainJob.SERVING_ACCURACY).orElseThrow(), "v1 knew 3 of 6");
    assertEquals(5L, v2.manifest().examplesSnapshot().values().stream().mapToLong(Long::longValue).sum(),
        "it learned from the 5 labels on the topic");
    Map<String, ModelVersion> versions = announced();
    assertEquals(ModelStatus.RETIRED, versions.get("v1").getStatus());
    assertEquals(ModelStatus.PROMOTED, versions.get("v2").getStatus());
    assertEquals(v2.manifestSha256(), versions.get("v2").getManifestSha256());

    assertEquals(RetrainJob.Result.NOTHING_TO_DO, job(trainer, 3).run(RetrainJob.When.IF_DUE).result(),
        "no labels since v2");
    assertEquals(1, trainer.runs.get());
  }

  @Test
  void isNotDueUntilEnoughNewLabelsArrived() throws Exception {
    FactBookTrainer trainer = new FactBookTrainer(FactBookTrainer.Behaviour.LEARNS);
    Map<String, String> two = Map.of("Where was Ilva born?", "Osk", "Where was Juno born?", "Pell");
    produceCorrections(two);

    RetrainJob.Outcome early = job(trainer, 3).run(RetrainJob.When.IF_DUE);
    assertEquals(RetrainJob.Result.NOTHING_TO_DO, early.result());
    assertTrue(early.message().contains("2 new labels"), early.message());
    assertEquals(new VersionName("v1"), registry.serving().orElseThrow().name(), "the configured model was imported");

    produceCorrections(Map.of("Where was Kest born?", "Rhun"));
    assertEquals(RetrainJob.Result.PROMOTED, job(trainer, 3).run(RetrainJob.When.IF_DUE).result());
  }

  @Test
  void aRegressingCandidateIsRejectedAndTheServingVersionStays() throws Exception {
    produceCorrections(Map.of("Where was Ilva born?", "Osk"));

    RetrainJob.Outcome outcome = job(new FactBookTrainer(FactBookTrainer.Behaviour.FORGETS), 3)
        .run(RetrainJob.When.IF_NEW_LABELS);

    assertEquals(RetrainJob.Result.REJECTED, outcome.result(), outcome.message());
    assertEquals(new VersionName("v1"), registry.serving().orElseThrow().name());
    RegisteredVersion v2 = registry.version(new VersionName("v2")).orElseThrow();
    assertEquals(ModelStatus.REJECTED, v2.status().status());
    assertEquals(1 / 6.0, v2.manifest().metric(Manifest.EVAL_ACCURACY).orElseThrow(), "forgot 3, learned 1");
    assertEquals(0.5, v2.manifest().metric(RetrainJob.SERVING_ACCURACY).orElseThrow());
    Map<String, ModelVersion> versions = announced();
    assertEquals(ModelStatus.PROMOTED, versions.get("v1").getStatus());
    assertEquals(ModelStatus.REJECTED, versions.get("v2").getStatus());
    assertTrue(versions.get("v2").getReason().contains("<"), versions.get("v2").getReason());
  }

  @Test
  void aFailingRunIsRecordedAsARejectedVersionAndTheServingVersionStays() throws Exception {
    produceCorrections(HELD_OUT);
    FactBookTrainer failing = new FactBookTrainer(FactBookTrainer.Behaviour.FAILS);

    RetrainJob.Outcome outcome = job(failing, 3).run(RetrainJob.When.IF_NEW_LABELS);

    assertEquals(RetrainJob.Result.FAILED, outcome.result());
    assertEquals(new VersionName("v1"), registry.serving().orElseThrow().name());
    RegisteredVersion v2 = outcome.candidate().orElseThrow();
    assertEquals(ModelStatus.REJECTED, v2.status().status());
    assertEquals("retraining failed: the loss is NaN: training diverged", v2.status().reason());
    assertEquals(Map.of(), v2.manifest().files(), "nothing of the failed run is kept");
    assertEquals(ModelStatus.REJECTED, announced().get("v2").getStatus());
    assertEquals(RetrainJob.Result.NOTHING_TO_DO, job(failing, 3).run(RetrainJob.When.IF_NEW_LABELS).result(),
        "the failed run's labels are not new any more");
    assertEquals(1, failing.runs.get());
  }

  @Test
  void aSecondJobDoesNothingWhileTheLockIsHeld() throws Exception {
    produceCorrections(HELD_OUT);
    FactBookTrainer trainer = new FactBookTrainer(FactBookTrainer.Behaviour.LEARNS);
    try (RetrainLock.Held held = registry.retrainLock(Duration.ofMinutes(5)).tryAcquire("other-job").orElseThrow()) {
      RetrainJob.Outcome outcome = job(trainer, 3).run(RetrainJob.When.ALWAYS);
      assertEquals(RetrainJob.Result.BUSY, outcome.result());
      assertTrue(outcome.message().contains("other-job"), outcome.message());
    }
    assertEquals(0, trainer.runs.get());
  }
}
