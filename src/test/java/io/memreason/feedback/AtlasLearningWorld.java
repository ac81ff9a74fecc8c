package io.memreason.feedback;

import io.memreason.avro.Answer;
import io.memreason.avro.Feedback;
import io.memreason.avro.ReasoningStep;
import io.memreason.config.MemreasonConfig;
import io.memreason.demo.AtlasLabeller;
import io.memreason.reasoning.Task;
import io.memreason.pipeline.PipelineFixture;
import io.memreason.registry.LlmVersionLoader;
import io.memreason.registry.ModelSource;
import io.memreason.registry.VersionLoader;
import io.memreason.training.DefaultModel;
import io.memreason.training.LoraTargets;
import io.memreason.training.TrainingProgress;
import io.memreason.training.TrainingSettings;
import io.memreason.training.atlas.AtlasDataset;
import io.memreason.training.atlas.AtlasQuestion;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The continuous-learning world of memreason's default model: the tiny Llama that {@code memreason bootstrap} trains
 * on the atlas world (built once into the model cache, then reused), whose held-out facts — the birthplaces of a
 * few people — no training trace states. Labels teach the held-out questions; the checks are the other questions
 * about the same facts. The {@link AtlasLabeller} knows the truth.
 */
final class AtlasLearningWorld implements LearningWorld {
  /** The default model's engine limits, and a replay of a hundred original questions. */
  private static final Map<String, String> ENGINE = engineAndReplay();

  private static Map<String, String> engineAndReplay() {
    Map<String, String> keys = new HashMap<>(PipelineFixture.DEFAULT_MODEL_ENGINE);
    keys.put("retrain.replay-size", "100");
    return Map.copyOf(keys);
  }

  private final Path dir;
  private final Path model;
  private final AtlasDataset dataset;
  private final AtlasLabeller labeller;

  AtlasLearningWorld(Path dir, Path modelCache) throws InterruptedException {
    this.dir = dir;
    DefaultModel.Recipe recipe = DefaultModel.defaultRecipe();
    try (TrainingProgress progress = TrainingProgress.logLines(Duration.ofSeconds(30))) {
      this.model = DefaultModel.ensure(modelCache, recipe, progress);
    }
    this.dataset = recipe.dataset();
    this.labeller = new AtlasLabeller(dataset, Clock.systemUTC());
    try {
      dataset.writeTo(dir.resolve("atlas"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The default model's sequence lengths, and a replay of a hundred original questions. */
  @Override
  public Map<String, String> configuration() {
    return ENGINE;
  }

  @Override
  public ModelSource firstVersion() {
    return new ModelSource("bootstrap", model, Optional.empty());
  }

  @Override
  public VersionLoader loader() {
    return new LlmVersionLoader(MemreasonConfig.defaults().with(ENGINE).engine(), new SimpleMeterRegistry());
  }

  /** LoRA on the MLP continued from the serving version, at a learning rate a tiny model needs to learn in minutes. */
  @Override
  public CandidateTrainer trainer() {
    return trainer(2e-3f);
  }

  /** The same retraining at another learning rate. */
  CandidateTrainer trainer(float learningRate) {
    return new LoraRetrainer(new TrainingSettings(TrainingSettings.Scope.LORA,
        new TrainingSettings.Lora(16, 16, 0.05f, LoraTargets.MLP), 5, 1, 16, 128, learningRate, 0f, 0.1f, 1f, 42, 1, 1,
        false), dir.resolve("retrain-work"));
  }

  /** The atlas questions and facts of the default model. */
  AtlasDataset dataset() {
    return dataset;
  }

  @Override
  public Path evaluationSet() {
    return dir.resolve("atlas").resolve(AtlasDataset.Split.TEST.fileName());
  }

  @Override
  public Task task() {
    return Task.ATLAS;
  }

  @Override
  public List<Path> replayData() {
    return List.of(dir.resolve("atlas").resolve(AtlasDataset.Split.TRAIN.fileName()));
  }

  @Override
  public List<GoldQuestion> teaching() {
    return gold(dataset.heldOut());
  }

  @Override
  public List<GoldQuestion> checks() {
    return gold(dataset.heldOutTest());
  }

  private static List<GoldQuestion> gold(List<AtlasQuestion> questions) {
    return questions.stream().map(q -> new GoldQuestion(q.question(), q.answer())).toList();
  }

  @Override
  public boolean isCorrect(Answer answer, GoldQuestion gold) {
    return labeller.isCorrect(answer);
  }

  /** Whether a generated memory or reason step states only what is true in the world. */
  boolean isTrue(ReasoningStep step) {
    return labeller.isTrue(step);
  }

  @Override
  public Feedback label(Answer answer, GoldQuestion gold) {
    return labeller.label(answer).orElseThrow();
  }

  @Override
  public void close() {}
}
