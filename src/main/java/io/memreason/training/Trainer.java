package io.memreason.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.memreason.llm.LanguageModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;

/**
 * The training loop: epochs over the sequences in an order drawn from the seed, one {@link TrainingStep} per
 * effective batch (gradient accumulation, global-norm clipping, AdamW on a warm-up + cosine schedule). At every
 * epoch's end a checkpoint is written and, with an evaluation set, scored by greedy generation from the checkpoint
 * as the runtime loads it; the best-scoring checkpoint is kept as {@code best}. Because the data order and the
 * schedule are functions of the update count, a run resumed from a checkpoint continues exactly where it stopped.
 *
 * <p>Single-threaded by necessity: PyTorch allows one gradient collector per process.
 */
public final class Trainer {

  /**
   * Evaluation during training.
   *
   * @param gold the items to answer, in order
   */
  public record Evaluation(GenerationEvaluation generation, List<SeedExample> gold) {}

  /** How a run ended: the checkpoints to serve and to resume from, and the last state. */
  public record Outcome(Path best, Path last, TrainerState state) {}

  private final TrainableModel model;
  private final TrainingSettings settings;
  private final CheckpointStore store;
  private final Optional<Evaluation> evaluation;
  private final TrainingProgress progress;

  public Trainer(TrainableModel model, TrainingSettings settings, CheckpointStore store,
                 Optional<Evaluation> evaluation, TrainingProgress progress) {
    this.model = model;
    this.settings = settings;
    this.store = store;
    this.evaluation = evaluation;
    this.progress = progress;
  }

  /**
   * Trains from the start, or from {@code resume} (its model parameters already loaded into the model).
   *
   * @throws TrainingDivergedException on a non-finite loss or gradient
   */
  public Outcome train(List<TrainingSequence> sequences, Optional<Checkpoint> resume) throws InterruptedException {
    if (sequences.isEmpty()) {
      throw new IllegalArgumentException("no training sequences");
    }
    int stepsPerEpoch = settings.stepsPerEpoch(sequences.size());
    int totalSteps = stepsPerEpoch * settings.epochs();
    TrainerState state = resume.map(Checkpoint::state).orElse(new TrainerState(0, stepsPerEpoch, totalSteps,
        model.describe(), settings, null, null, List.of()));
    if (state.stepsPerEpoch() != stepsPerEpoch || state.totalSteps() != totalSteps) {
      throw new IllegalArgumentException("the checkpoint was trained with " + state.stepsPerEpoch() + " steps per "
          + "epoch and " + state.totalSteps() + " in all; this dataset gives " + stepsPerEpoch + " and " + totalSteps
          + ": resume with the same dataset");
    }
    List<TrainableParameter> parameters = model.parameters();
    LearningRateSchedule schedule = new LearningRateSchedule(settings.learningRate(),
        Math.round(settings.warmupRatio() * totalSteps), totalSteps);
    try (NDManager optimizerState = NDManager.newBaseManager()) {
      AdamW optimizer = new AdamW(parameters, settings.weightDecay(), optimizerState);
      if (resume.isPresent()) {
        optimizer.restore(resume.get().dir(), state.globalStep());
      }
      TrainingStep training = new TrainingStep(model, settings, optimizer, schedule);
      // Dropout draws from torch's generator: seeded per run and per resume point.
      Engine.getInstance().setRandomSeed((int) (settings.seed() + state.globalStep()));
      progress.start(model.describe(), totalSteps, state.globalStep());
      double epochLoss = 0;
      int epochSteps = 0;
      long tokens = 0;
      long started = System.nanoTime();
      for (int step = state.globalStep(); step < totalSteps; step++) {
        TrainingStep.Result result = training.run(stepExamples(sequences, step, stepsPerEpoch), step);
        tokens += result.tokens();
        epochLoss += result.loss();
        epochSteps++;
        progress.step(step + 1, result.loss(), tokens / ((System.nanoTime() - started) / 1e9), result.learningRate());
        if ((step + 1) % stepsPerEpoch == 0) {
          int epoch = (step + 1) / stepsPerEpoch;
          state = endEpoch(state.atStep(step + 1), epoch, epochLoss / epochSteps, optimizer);
          epochLoss = 0;
          epochSteps = 0;
        }
      }
    }
    Path last = store.resolve(CheckpointStore.LAST).orElseThrow();
    return new Outcome(store.resolve(CheckpointStore.BEST).orElse(last), last, state);
  }

  /** A checkpoint to resume from: its folder and saved state. */
  public record Checkpoint(Path dir, TrainerState state) {}

  /** The sequences of optimizer step {@code step}: a slice of its epoch's order, a pure function of the seed. */
  private List<TrainingSequence> stepExamples(List<TrainingSequence> sequences, int step, int stepsPerEpoch) {
    int epoch = step / stepsPerEpoch;
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < sequences.size(); i++) {
      order.add(i);
    }
    Collections.shuffle(order, new Random(settings.seed() * 31 + epoch));
    int from = (step % stepsPerEpoch) * settings.effectiveBatch();
    int to = Math.min(from + settings.effectiveBatch(), sequences.size());
    return order.subList(from, to).stream().map(sequences::get).toList();
  }

  /** Writes the epoch's checkpoint, evaluates it if there is an evaluation set, and moves the links. */
  private TrainerState endEpoch(TrainerState state, int epoch, double loss, AdamW optimizer)
      throws InterruptedException {
    Path partial = store.begin(state.globalStep());
    model.save(partial);
    optimizer.save(partial);
    Double accuracy = null;
    if (evaluation.isPresent()) {
      accuracy = evaluate(partial);
    }
    String name = "checkpoint-" + state.globalStep();
    TrainerState next = state.withEpoch(new TrainerState.EpochResult(epoch, state.globalStep(), loss, accuracy), name);
    next.write(partial);
    Path done = store.commit(partial, state.globalStep());
    store.link(CheckpointStore.LAST, done);
    if (accuracy == null || name.equals(next.bestCheckpoint())) {
      store.link(CheckpointStore.BEST, done);
    }
    store.prune();
    progress.note(String.format(Locale.ROOT, "epoch %d: loss %.4f%s, checkpoint %s", epoch, loss,
        accuracy == null ? "" : String.format(Locale.ROOT, ", eval accuracy %.4f (best %.4f)", accuracy,
            next.bestAccuracy()), done));
    return next;
  }

  private double evaluate(Path checkpoint) throws InterruptedException {
    Evaluation e = evaluation.orElseThrow();
    try (LanguageModel saved = model.loadSaved(checkpoint, e.generation().maxTotalTokens())) {
      GenerationEvaluation.Result result = e.generation().run(saved, e.gold());
      GeneratedOutput.writeAll(checkpoint.resolve("eval_generations.json"), result.outputs());
      return result.scorecard().accuracy();
    } catch (IOException ex) {
      throw new UncheckedIOException("cannot write the evaluation's generations: " + ex.getMessage(), ex);
    }
  }
}
