package io.memreason.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.memreason.llm.LanguageModel;
import io.memreason.llm.TinyModels;
import io.memreason.llm.adapter.StepTokenVocabulary;
import io.memreason.reasoning.StepTokens;
import io.memreason.llm.adapter.StepTokenWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TrainerTest {
  @TempDir
  Path dir;

  private static TrainingSettings settings(int epochs) {
    return TrainingFixtures.lora(LoraTargets.MLP, 0f, 1e-2f).withEpochs(epochs);
  }

  /** The checkpoint in {@code saved}, loaded by the runtime, gives the trainer's logits on the sequences (≤ 1e-4). */
  private static void assertRuntimeGivesTheTrainersLogits(TrainableModel model, Path saved,
                                                          List<TrainingSequence> sequences) {
    Batch batch = Batch.of(sequences);
    try (LanguageModel runtime = model.loadSaved(saved, 128); NDManager m = NDManager.newBaseManager();
         NDScope scope = new NDScope()) {
      NDArray trainerLogits = model.forStep(m, false).forward(m, batch.ids(), batch.attentionMask());
      NDArray runtimeLogits = runtime.model().forward(m, batch.ids(), batch.attentionMask());
      float difference = trainerLogits.sub(runtimeLogits).abs().max().getFloat();
      assertTrue(difference <= 1e-4, "max |logit difference| " + difference);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama", "qwen2-tied"})
  void loraRunLowersTheLossAndTheSavedAdapterGivesTheTrainersLogits(String variant) throws Exception {
    Path base = TrainingFixtures.tinyCheckpoint(dir.resolve("base"), TinyModels.of(variant));
    TrainingSettings settings = settings(10);
    try (LoraModel model = LoraModel.open(base, settings, Optional.empty(), DataType.FLOAT32, 128)) {
      List<TrainingSequence> sequences = TrainingFixtures.sequences(base, model, settings);
      double before = meanLoss(model, sequences);
      Trainer.Outcome outcome = trainer(model, settings, dir.resolve("out")).train(sequences, Optional.empty());
      double after = meanLoss(model, sequences);
      assertTrue(after < 0.9 * before, "loss " + before + " -> " + after);

      assertRuntimeGivesTheTrainersLogits(model, outcome.last(), sequences);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama", "qwen2"})
  void fullParameterRunSavesAModelFolderThatTheRuntimeLoadsWithTheTrainersLogits(String variant) throws Exception {
    Path base = TrainingFixtures.tinyCheckpoint(dir.resolve("base"), TinyModels.of(variant));
    TrainingSettings settings = new TrainingSettings(TrainingSettings.Scope.FULL,
        null, 10, 2, 1, 64, 1e-2f, 0f, 0.1f, 1f, 5, 2, 1, false);
    try (FullParameterModel model = FullParameterModel.open(base, settings, DataType.FLOAT32, 128)) {
      List<TrainingSequence> sequences = TrainingFixtures.sequences(base, model, settings);
      double before = meanLoss(model, sequences);
      Trainer.Outcome outcome = trainer(model, settings, dir.resolve("out")).train(sequences, Optional.empty());
      double after = meanLoss(model, sequences);
      assertTrue(after < 0.5 * before, "loss " + before + " -> " + after);

      for (String file : List.of("config.json", "model.safetensors", "tokenizer.json", "generation_config.json",
          "step_tokens.json", "step_tokens.safetensors")) {
        assertTrue(Files.isRegularFile(outcome.last().resolve(file)), file);
      }
      assertRuntimeGivesTheTrainersLogits(model, outcome.last(), sequences);
    }
  }

  @Test
  void loraOnABaseWithStepTokensContinuesFromItsRows() throws Exception {
    Path base = TrainingFixtures.tinyCheckpoint(dir.resolve("base"));
    TrainingSettings settings = settings(1);
    try (NDManager m = NDManager.newBaseManager()) {
      StepTokenVocabulary vocabulary = StepTokens.of(1, 1).vocabulary();
      StepTokenWeights learned = new StepTokenWeights(vocabulary, m.randomUniform(-1, 1, new Shape(5, 64)),
          m.randomUniform(-1, 1, new Shape(5, 64)), m.randomUniform(-1, 1, new Shape(5)));
      learned.write(base);
      try (LoraModel model = LoraModel.open(base, settings, Optional.empty(), DataType.FLOAT32, 128)) {
        assertEquals(vocabulary, model.stepTokens());
        assertArrayEquals(learned.newIn().toFloatArray(), model.parameters().stream()
            .filter(p -> p.name().equals("new_in")).findFirst().orElseThrow().array().toFloatArray());
      }
    }
  }

  @Test
  void resumedRunEndsWithTheParametersOfAnUninterruptedRun() throws Exception {
    Path base = TrainingFixtures.tinyCheckpoint(dir.resolve("base"));
    TrainingSettings settings = settings(3);
    float[][] uninterrupted;
    try (LoraModel model = LoraModel.open(base, settings, Optional.empty(), DataType.FLOAT32, 128)) {
      trainer(model, settings, dir.resolve("whole")).train(TrainingFixtures.sequences(base, model, settings),
          Optional.empty());
      uninterrupted = values(model);
    }
    Path out = dir.resolve("interrupted");
    try (LoraModel model = LoraModel.open(base, settings, Optional.empty(), DataType.FLOAT32, 128)) {
      Trainer stopsAfterFirstEpoch = new Trainer(model, settings, new CheckpointStore(out), Optional.empty(),
          new StoppingProgress());
      assertThrows(Interrupted.class, () -> stopsAfterFirstEpoch.train(
          TrainingFixtures.sequences(base, model, settings), Optional.empty()));
    }
    CheckpointStore store = new CheckpointStore(out);
    Path last = store.resolve(CheckpointStore.LAST).orElseThrow();
    TrainerState state = TrainerState.read(last);
    assertEquals(1, state.epochsDone());
    try (LoraModel model = LoraModel.open(base, settings, Optional.of(last), DataType.FLOAT32, 128)) {
      Trainer.Outcome outcome = trainer(model, settings, out).train(TrainingFixtures.sequences(base, model, settings),
          Optional.of(new Trainer.Checkpoint(last, state)));
      assertEquals(3, outcome.state().epochsDone());
      float[][] resumed = values(model);
      for (int i = 0; i < resumed.length; i++) {
        assertArrayEquals(uninterrupted[i], resumed[i], 1e-6f, "parameter " + i);
      }
    }
    try (Stream<Path> left = Files.list(out)) {
      assertEquals(List.of("best", "checkpoint-6", "last"),
          left.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList());
    }
  }

  private static Trainer trainer(TrainableModel model, TrainingSettings settings, Path out) {
    return new Trainer(model, settings, new CheckpointStore(out), Optional.empty(),
        TrainingProgress.logLines(Duration.ofSeconds(10)));
  }

  private static float[][] values(TrainableModel model) {
    return model.parameters().stream().map(p -> p.array().toFloatArray()).toArray(float[][]::new);
  }

  static double meanLoss(TrainableModel model, List<TrainingSequence> sequences) {
    try (NDManager m = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
      Batch batch = Batch.of(sequences);
      return CausalLmLoss.of(m, model.forStep(m, false).forward(m, batch.ids(), batch.attentionMask()), batch, 1)
          .getFloat();
    }
  }

  private static final class Interrupted extends RuntimeException {
    Interrupted() {
      super("stopped after the first epoch's checkpoint");
    }
  }

  /** Progress that stops the run at the first epoch's end, after its checkpoint is published. */
  private static final class StoppingProgress implements TrainingProgress {
    @Override
    public void start(String task, int totalSteps, int doneSteps) {
      assertFalse(doneSteps > 0);
    }

    @Override
    public void step(int done, double loss, double tokensPerSecond, float learningRate) {
      // only the epoch's end matters
    }

    @Override
    public void note(String message) {
      throw new Interrupted();
    }

    @Override
    public void close() {
      // nothing held
    }
  }
}
