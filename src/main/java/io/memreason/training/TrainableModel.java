package io.memreason.training;

import ai.djl.ndarray.NDManager;
import io.memreason.llm.LanguageModel;
import io.memreason.llm.adapter.StepTokenVocabulary;
import io.memreason.llm.model.LlamaConfig;
import io.memreason.llm.model.LlamaModel;
import java.nio.file.Path;
import java.util.List;

/**
 * A model being trained: which arrays the optimizer updates, the forward pass built from their current values,
 * and how the result is written in the layout the runtime loads.
 */
public interface TrainableModel extends AutoCloseable {

  LlamaConfig config();

  /** The step tokens being trained. */
  StepTokenVocabulary stepTokens();

  /** The id of the first step token: the base embedding's row count. */
  int firstStepTokenId();

  /** The arrays the optimizer updates (they require gradients), in a fixed order. */
  List<TrainableParameter> parameters();

  /**
   * The model for one step, its weights rebuilt from the parameters' current values with differentiable ops only.
   * Call inside the step's {@code NDScope} (and GradientCollector when training): the arrays it makes must live
   * until backward has run.
   *
   * @param training apply LoRA dropout
   */
  LlamaModel forStep(NDManager manager, boolean training);

  /** Writes the trained model (not the optimizer) into {@code dir} in the runtime's layout. */
  void save(Path dir);

  /** Loads what {@link #save} wrote, as the runtime serves it, for evaluation by generation. */
  LanguageModel loadSaved(Path dir, int maxSequenceLength);

  /** Where the model came from, for checkpoint metadata and messages. */
  String describe();

  @Override
  void close();
}
