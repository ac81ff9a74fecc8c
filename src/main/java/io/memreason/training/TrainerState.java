package io.memreason.training;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import io.memreason.llm.CheckpointException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Where a run stands, saved in every checkpoint as {@code trainer_state.json}: enough to resume it (the update
 * count fixes the data order and the learning-rate schedule) and to know which checkpoint evaluated best.
 *
 * @param globalStep optimizer updates done
 * @param base the base model the run trains on
 * @param bestAccuracy the best evaluation accuracy so far (null before any evaluation)
 * @param bestCheckpoint the checkpoint folder's name with that accuracy (null before any evaluation)
 * @param history one entry per evaluated epoch
 */
public record TrainerState(int globalStep, int stepsPerEpoch, int totalSteps, String base, TrainingSettings settings,
                           Double bestAccuracy, String bestCheckpoint, List<EpochResult> history) {
  public static final String FILE = "trainer_state.json";
  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeNulls().create();

  /**
   * One epoch's end.
   *
   * @param loss the mean training loss of the epoch's updates
   * @param accuracy the evaluation accuracy, or null without an evaluation set
   */
  public record EpochResult(int epoch, int step, double loss, Double accuracy) {}

  public TrainerState {
    history = List.copyOf(history);
  }

  /** Completed epochs. */
  public int epochsDone() {
    return globalStep / stepsPerEpoch;
  }

  /** The state after an epoch, with its result appended (and the best updated when it beat the best). */
  public TrainerState withEpoch(EpochResult result, String checkpoint) {
    List<EpochResult> all = new ArrayList<>(history);
    all.add(result);
    boolean better = result.accuracy() != null && (bestAccuracy == null || result.accuracy() > bestAccuracy);
    return new TrainerState(result.step(), stepsPerEpoch, totalSteps, base, settings,
        better ? result.accuracy() : bestAccuracy, better ? checkpoint : bestCheckpoint, all);
  }

  public TrainerState atStep(int step) {
    return new TrainerState(step, stepsPerEpoch, totalSteps, base, settings, bestAccuracy, bestCheckpoint, history);
  }

  public void write(Path dir) {
    try {
      Files.writeString(dir.resolve(FILE), GSON.toJson(this));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + dir.resolve(FILE) + ": " + e.getMessage(), e);
    }
  }

  public static TrainerState read(Path dir) {
    Path file = dir.resolve(FILE);
    try {
      TrainerState state = GSON.fromJson(Files.readString(file), TrainerState.class);
      Objects.requireNonNull(state.settings(), "settings");
      return state;
    } catch (NoSuchFileException e) {
      throw new CheckpointException(FILE + " not found in " + dir + ": not a memreason training checkpoint");
    } catch (IOException | RuntimeException e) {
      throw new CheckpointException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * The settings fields that differ between this run's and {@code other}, e.g. {@code [learningRate, seed]}; empty
   * when a resume may continue with {@code other}.
   */
  public List<String> settingsDifferingFrom(TrainingSettings other) {
    JsonObject mine = GSON.toJsonTree(settings).getAsJsonObject();
    JsonObject theirs = GSON.toJsonTree(other).getAsJsonObject();
    return mine.keySet().stream().filter(k -> !mine.get(k).equals(theirs.get(k))).toList();
  }
}
