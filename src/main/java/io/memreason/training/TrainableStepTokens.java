package io.memreason.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.memreason.llm.adapter.StepTokenVocabulary;
import io.memreason.llm.adapter.StepTokenWeights;
import io.memreason.llm.model.StreamLayout;
import io.memreason.llm.model.TrainableTokenTables;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.SplittableRandom;

/**
 * The step tokens' rows while they are trained (method.md, "How the new tokens enter the model"): {@code new_in}
 * and {@code new_out.weight} [n, hidden] are trainable, {@code new_out.bias} [n] is frozen. Owned by the manager
 * given at creation.
 */
public final class TrainableStepTokens {
  private final StepTokenVocabulary vocabulary;
  private final NDArray newIn;
  private final NDArray newOutWeight;
  private final NDArray newOutBias;

  private TrainableStepTokens(StepTokenVocabulary vocabulary, NDArray newIn, NDArray newOutWeight, NDArray newOutBias) {
    this.vocabulary = vocabulary;
    this.newIn = newIn;
    this.newOutWeight = newOutWeight;
    this.newOutBias = newOutBias;
    newIn.setRequiresGradient(true);
    newOutWeight.setRequiresGradient(true);
  }

  /**
   * New rows as the reference initialises them: every token of a group starts from the row of its group's bare
   * word ({@code prefix}, {@code answer}, {@code assignment}, {@code reason}, {@code memory}) in the input
   * embedding and in the output head, or of the unknown token when the word is not in the vocabulary, or the
   * mean of all rows when there is no unknown token either. The bias is uniform in ±1/sqrt(hidden), drawn from
   * {@code seed}.
   *
   * @param embedding the base input embedding [V, hidden] (Hugging Face layout)
   * @param head the base output head [V, hidden] (the embedding itself when tied)
   */
  public static TrainableStepTokens initialise(StepTokenVocabulary vocabulary, NDArray embedding, NDArray head,
                                               TokenizerVocabulary words, long seed, NDManager manager,
                                               DataType dtype) {
    int n = vocabulary.tokens().size();
    int hidden = (int) embedding.getShape().get(1);
    List<String> groupWords = groupWords(vocabulary);
    float[] in = new float[n * hidden];
    float[] out = new float[n * hidden];
    for (int k = 0; k < n; k++) {
      OptionalInt id = words.idOrUnknown(groupWords.get(k));
      System.arraycopy(row(embedding, id), 0, in, k * hidden, hidden);
      System.arraycopy(row(head, id), 0, out, k * hidden, hidden);
    }
    // nn.Linear's default bias initialisation, kept frozen.
    SplittableRandom random = new SplittableRandom(seed);
    double bound = 1 / Math.sqrt(hidden);
    float[] bias = new float[n];
    for (int k = 0; k < n; k++) {
      bias[k] = (float) (bound * (2 * random.nextDouble() - 1));
    }
    Shape rows = new Shape(n, hidden);
    return new TrainableStepTokens(vocabulary, created(manager, in, rows, dtype), created(manager, out, rows, dtype),
        created(manager, bias, new Shape(n), dtype));
  }

  /** Row {@code id} of a [V, hidden] table, or the mean of all its rows when there is no id. */
  private static float[] row(NDArray table, OptionalInt id) {
    try (NDArray row = id.isPresent() ? table.get(id.getAsInt()) : table.mean(new int[] {0});
         NDArray floats = row.toType(DataType.FLOAT32, true)) {
      return floats.toFloatArray();
    }
  }

  /** Rows that continue from saved step tokens (a base model that has them, or a checkpoint being resumed). */
  public static TrainableStepTokens continueFrom(StepTokenWeights saved, NDManager manager, DataType dtype) {
    return new TrainableStepTokens(saved.vocabulary(), copy(saved.newIn(), manager, dtype),
        copy(saved.newOutWeight(), manager, dtype), copy(saved.newOutBias(), manager, dtype));
  }

  public StepTokenVocabulary vocabulary() {
    return vocabulary;
  }

  /** {@code new_in} and {@code new_out.weight}, under the names of {@code step_tokens.safetensors}. */
  public List<TrainableParameter> parameters() {
    return List.of(new TrainableParameter("new_in", newIn), new TrainableParameter("new_out.weight", newOutWeight));
  }

  /** Token tables for one step: the base tables (trainable or not) beside these rows, differentiable in both. */
  public TrainableTokenTables tables(NDArray baseInput, NDArray baseOutput, StreamLayout layout) {
    return new TrainableTokenTables(baseInput, baseOutput, newIn, newOutWeight, newOutBias, layout);
  }

  /** The current rows in the runtime's form, for writing ({@link StepTokenWeights#write}). */
  public StepTokenWeights current() {
    return new StepTokenWeights(vocabulary, newIn, newOutWeight, newOutBias);
  }

  /** The group word each token starts from, in token order. */
  private static List<String> groupWords(StepTokenVocabulary vocabulary) {
    List<String> words = new ArrayList<>();
    for (int i = 0; i < vocabulary.prefixTokens(); i++) {
      words.add("prefix");
    }
    for (String kind : StepTokenVocabulary.KINDS) {
      for (int i = 0; i < vocabulary.tokensPerKind(); i++) {
        words.add(kind);
      }
    }
    return words;
  }

  private static NDArray created(NDManager manager, float[] values, Shape shape, DataType dtype) {
    NDArray a = manager.create(values, shape);
    if (a.getDataType() == dtype) {
      return a;
    }
    try (a) {
      return a.toType(dtype, false);
    }
  }

  /**
   * A copy that owns its memory. Not {@code toType(dtype, true)}: for an unchanged type DJL's PyTorch engine returns
   * a new handle on the same storage, which here would be the saved file's buffer, freed once its manager closes.
   */
  private static NDArray copy(NDArray a, NDManager manager, DataType dtype) {
    NDArray c = a.duplicate();
    if (c.getDataType() != dtype) {
      try (NDArray same = c) {
        c = same.toType(dtype, false);
      }
    }
    c.attach(manager);
    return c;
  }
}
