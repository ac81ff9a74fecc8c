package io.memreason.feedback;

import io.memreason.registry.ModelSource;
import java.nio.file.Path;

/** Trains a candidate model version from the serving one: the single seam between retraining and the trainer. */
public interface CandidateTrainer {

  /**
   * Continues training from {@code parent} (its adapter, LoRA factors and step tokens, over its base model) on
   * {@code data}, and writes the candidate's files into the empty folder {@code out}, in the layout the runtime loads
   * over the same base model.
   */
  void train(ModelSource parent, RetrainingData data, Path out) throws InterruptedException;
}
