package io.memreason.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import io.memreason.registry.ModelVersionPublisher;
import io.memreason.registry.PromotionGate;
import io.memreason.registry.RegisteredVersion;
import io.memreason.registry.RetrainLock;
import io.memreason.registry.VersionName;
import io.memreason.training.atlas.AtlasQuestion;
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
 * The retraining job against a real broker with memreason's default model and its real LoRA retraining: labelled
 * traces on the topic in, a promoted or rejected version in the registry and on the model-versions topic out. The
 * labels are written here directly (the feedback aggregator's part is tested on its own): corrections that teach the
 * held-out facts, and corrections that teach falsehoods about facts of the evaluation set.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class RetrainJobIT {
  @TempDir
  Path dir;

  private AtlasLearningWorld world;
  private MemreasonConfig config;
  private ModelRegistry registry;
  private final List<RetrainJob> opened = new ArrayList<>();

  @BeforeEach
  void world(EmbeddedKafka kafka) throws InterruptedException {
    world = new AtlasLearningWorld(dir, MemreasonConfig.defaults().model().cacheDir());
    config = LearningFixture.config(kafka.bootstrapServers(), "retrain", dir.resolve("registry"),
        world.configuration());
    registry = new ModelRegistry(dir.resolve("registry"), 3, Clock.systemUTC());
  }

  @AfterEach
  void closeClients() {
    opened.forEach(RetrainJob::close);
  }

  private RetrainJob job(CandidateTrainer trainer, int afterExamples) {
    RetrainJob.Parts parts = new RetrainJob.Parts(registry, new ModelVersionPublisher(config),
        new LabelledTraceLog(config), trainer, world.loader(),
        EvaluationSet.read(world.evaluationSet(), io.memreason.reasoning.Task.ATLAS));
    RetrainJob.Settings settings = new RetrainJob.Settings(new RetrainPolicy(afterExamples, 0),
        new PromotionGate(0.02), world::firstVersion, world.replayData(), 100, 42, 128, Duration.ofMinutes(5),
        Duration.ofMinutes(5));
    RetrainJob job = new RetrainJob(parts, settings, Clock.systemUTC());
    opened.add(job);
    return job;
  }

  /** Version 1's wrong answer to {@code q}, corrected to the trace {@code steps} (as written in the seed data). */
  private static TrainingExample correction(AtlasQuestion q, List<String> steps, String answer) {
    List<TrainingStep> corrected = steps.stream().map(s -> TrainingStep.newBuilder()
        .setKind(s.startsWith("[rag]: ") ? StepKind.MEMORY : StepKind.REASON)
        .setText(s.substring(s.indexOf(": ") + 2)).setCorrect(false).setCorrected(true).build()).toList();
    return TrainingExample.newBuilder().setQuestionId(q.id()).setQuestion(q.question()).setTask(Task.ATLAS)
        .setSteps(corrected).setAnswer(answer).setVerdict(Verdict.INCORRECT).setCorrected(true)
        .setWrongSteps(List.of(0)).setModelVersion("v1").setLabeller("test").setLabelledAt(Instant.now()).build();
  }

  /** Corrections to the true traces: what the held-out questions need to be learned. */
  private void produceTruth(List<AtlasQuestion> questions) {
    Map<String, TrainingExample> labels = new LinkedHashMap<>();
    questions.forEach(q -> labels.put(q.id(), correction(q, q.cotSteps(), q.answer())));
    LearningFixture.produce(config, config.topics().trainingExamples(), TrainingExample.class, labels);
  }

  /**
   * Bad labels: every evaluation question answered by a name "corrected" to another answer of its question type,
   * its trace stating the false fact.
   */
  private void produceFalsehoods() {
    List<AtlasQuestion> all = new ArrayList<>(world.dataset().train());
    all.addAll(world.dataset().test());
    Map<String, TrainingExample> labels = new LinkedHashMap<>();
    for (AtlasQuestion q : world.dataset().test()) {
      Optional<String> wrong = all.stream().filter(o -> o.type() == q.type() && !o.answer().equals(q.answer()))
          .map(AtlasQuestion::answer).findFirst();
      if (q.isTrueOrFalse() || wrong.isEmpty()) {
        continue;
      }
      List<String> steps = q.cotSteps().stream()
          .map(s -> s.replaceAll("\\b" + q.answer() + "\\b", wrong.get())).toList();
      labels.put(q.id(), correction(q, steps, wrong.get()));
    }
    LearningFixture.produce(config, config.topics().trainingExamples(), TrainingExample.class, labels);
  }

  private Map<String, ModelVersion> announced() {
    return LearningFixture.readAll(config, config.topics().modelVersions(), ModelVersion.class).stream()
        .collect(Collectors.toMap(r -> r.key(), r -> r.value(), (earlier, later) -> later));
  }

  private List<AtlasQuestion> heldOut() {
    return world.dataset().heldOut();
  }

  @Test
  void learnsTheCorrectionsAndPromotesACandidateThatScoresAtLeastAsWell() throws Exception {
    produceTruth(heldOut());

    RetrainJob.Outcome outcome = job(world.trainer(), heldOut().size()).run(RetrainJob.When.IF_DUE);

    assertEquals(RetrainJob.Result.PROMOTED, outcome.result(), outcome.message());
    RegisteredVersion v2 = registry.serving().orElseThrow();
    assertEquals(new VersionName("v2"), v2.name());
    assertEquals(Optional.of("v1"), v2.manifest().parentVersion());
    double candidate = v2.manifest().metric(Manifest.EVAL_ACCURACY).orElseThrow();
    double serving = v2.manifest().metric(RetrainJob.SERVING_ACCURACY).orElseThrow();
    assertTrue(candidate >= serving - 0.02, "the gate promoted " + candidate + " over " + serving);
    assertTrue(serving > 0.85, "version 1 is the default model: " + serving);
    assertEquals(heldOut().size(), v2.manifest().examplesSnapshot().values().stream().mapToLong(Long::longValue).sum(),
        "it learned from the labels on the topic");
    Map<String, ModelVersion> versions = announced();
    assertEquals(ModelStatus.RETIRED, versions.get("v1").getStatus());
    assertEquals(ModelStatus.PROMOTED, versions.get("v2").getStatus());
    assertEquals(v2.manifestSha256(), versions.get("v2").getManifestSha256());

    assertEquals(RetrainJob.Result.NOTHING_TO_DO, job(world.trainer(), 1).run(RetrainJob.When.IF_DUE).result(),
        "no labels since v2");
  }

  @Test
  void isNotDueUntilEnoughNewLabelsArrived() throws Exception {
    produceTruth(heldOut().subList(0, 2));

    RetrainJob.Outcome early = job(world.trainer(), 3).run(RetrainJob.When.IF_DUE);

    assertEquals(RetrainJob.Result.NOTHING_TO_DO, early.result());
    assertTrue(early.message().contains("2 new labels"), early.message());
    assertEquals(new VersionName("v1"), registry.serving().orElseThrow().name(), "the configured model was imported");
    assertEquals(Optional.empty(), registry.version(new VersionName("v2")), "nothing was trained");
  }

  @Test
  void aCandidateTaughtFalsehoodsScoresWorseAndIsRejectedAndTheServingVersionStays() throws Exception {
    produceFalsehoods();

    RetrainJob.Outcome outcome = job(world.trainer(), 1).run(RetrainJob.When.IF_NEW_LABELS);

    assertEquals(RetrainJob.Result.REJECTED, outcome.result(), outcome.message());
    assertEquals(new VersionName("v1"), registry.serving().orElseThrow().name());
    RegisteredVersion v2 = registry.version(new VersionName("v2")).orElseThrow();
    assertEquals(ModelStatus.REJECTED, v2.status().status());
    double candidate = v2.manifest().metric(Manifest.EVAL_ACCURACY).orElseThrow();
    double serving = v2.manifest().metric(RetrainJob.SERVING_ACCURACY).orElseThrow();
    assertTrue(candidate < serving - 0.02, "the falsehoods were learned: " + candidate + " vs " + serving);
    Map<String, ModelVersion> versions = announced();
    assertEquals(ModelStatus.PROMOTED, versions.get("v1").getStatus());
    assertEquals(ModelStatus.REJECTED, versions.get("v2").getStatus());
    assertTrue(versions.get("v2").getReason().contains("<"), versions.get("v2").getReason());
  }

  @Test
  void aDivergingRunIsRecordedAsARejectedVersionAndTheServingVersionStays() throws Exception {
    produceTruth(heldOut());
    CandidateTrainer diverging = world.trainer(1e30f); // a learning rate far too high: the activations overflow

    RetrainJob.Outcome outcome = job(diverging, 1).run(RetrainJob.When.IF_NEW_LABELS);

    assertEquals(RetrainJob.Result.FAILED, outcome.result(), outcome.message());
    assertEquals(new VersionName("v1"), registry.serving().orElseThrow().name());
    RegisteredVersion v2 = outcome.candidate().orElseThrow();
    assertEquals(ModelStatus.REJECTED, v2.status().status());
    assertTrue(v2.status().reason().startsWith("retraining failed: ") && v2.status().reason().contains("diverged"),
        v2.status().reason());
    assertEquals(Map.of(), v2.manifest().files(), "nothing of the failed run is kept");
    assertEquals(ModelStatus.REJECTED, announced().get("v2").getStatus());
    assertEquals(RetrainJob.Result.NOTHING_TO_DO, job(diverging, 1).run(RetrainJob.When.IF_NEW_LABELS).result(),
        "the failed run's labels are not new any more");
  }

  @Test
  void aSecondJobDoesNothingWhileTheLockIsHeld() throws Exception {
    produceTruth(heldOut());
    try (RetrainLock.Held held = registry.retrainLock(Duration.ofMinutes(5)).tryAcquire("other-job").orElseThrow()) {
      RetrainJob.Outcome outcome = job(world.trainer(), 1).run(RetrainJob.When.ALWAYS);
      assertEquals(RetrainJob.Result.BUSY, outcome.result());
      assertTrue(outcome.message().contains("other-job"), outcome.message());
    }
    assertEquals(Optional.empty(), registry.version(new VersionName("v2")), "nothing was trained");
  }
}
