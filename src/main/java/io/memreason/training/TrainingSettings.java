package io.memreason.training;

/**
 * The hyper-parameters of one training run; saved with every checkpoint so a run can be resumed and audited.
 *
 * @param scope what is trained: LoRA factors and step-token rows, or every parameter
 * @param lora the LoRA adapter's shape; null when every parameter is trained
 * @param batchSize sequences per forward pass
 * @param gradientAccumulation forward passes per optimizer step (effective batch = batchSize × this)
 * @param maxLength most tokens per sequence before EOS, BOS included (the reference's {@code model_max_length})
 * @param weightDecay AdamW's decoupled decay (0 for LoRA, as the reference trains)
 * @param warmupRatio the share of optimizer steps over which the learning rate rises linearly from 0
 * @param maxGradNorm the global gradient norm is clipped to this before each update (0 = no clipping)
 * @param seed shuffling, LoRA and bias initialisation, dropout
 * @param prefixTokens P, used when the base model has no step tokens yet
 * @param tokensPerKind S, used when the base model has no step tokens yet
 * @param referenceMaskOffByOne train on the question's last token too, as the reference does
 */
public record TrainingSettings(Scope scope, Lora lora, int epochs, int batchSize, int gradientAccumulation,
                               int maxLength, float learningRate, float weightDecay, float warmupRatio,
                               float maxGradNorm, long seed, int prefixTokens, int tokensPerKind,
                               boolean referenceMaskOffByOne) {

  /** What a run trains. */
  public enum Scope {
    /** LoRA factors plus the step tokens' {@code new_in} / {@code new_out.weight}; everything else frozen. */
    LORA,
    /** Every parameter of the model plus the step tokens' rows (e.g. a tiny model from scratch). */
    FULL
  }

  /**
   * A LoRA adapter's shape.
   *
   * @param alpha the update is scaled by alpha / rank
   * @param dropout PEFT's {@code lora_dropout} on the adapter's input
   */
  public record Lora(int rank, double alpha, float dropout, LoraTargets targets) {
    public Lora {
      if (rank < 1 || alpha <= 0 || !(dropout >= 0 && dropout < 1)) {
        throw new IllegalArgumentException("LoRA needs rank >= 1, alpha > 0 and dropout in [0, 1): rank " + rank
            + ", alpha " + alpha + ", dropout " + dropout);
      }
    }
  }

  public TrainingSettings {
    if ((scope == Scope.LORA) != (lora != null)) {
      throw new IllegalArgumentException("LoRA settings are needed for LoRA training and only there");
    }
    if (epochs < 1 || batchSize < 1 || gradientAccumulation < 1) {
      throw new IllegalArgumentException("epochs, batch and gradient accumulation must be >= 1: " + epochs + ", "
          + batchSize + ", " + gradientAccumulation);
    }
    if (maxLength < 2) {
      throw new IllegalArgumentException("max length must be >= 2, not " + maxLength);
    }
    if (!(learningRate > 0) || weightDecay < 0 || !(warmupRatio >= 0 && warmupRatio < 1) || maxGradNorm < 0) {
      throw new IllegalArgumentException("need lr > 0, weight decay >= 0, warmup ratio in [0, 1), clip norm >= 0: "
          + learningRate + ", " + weightDecay + ", " + warmupRatio + ", " + maxGradNorm);
    }
    if (prefixTokens < 1 || tokensPerKind < 1) {
      throw new IllegalArgumentException("step tokens need P >= 1 and S >= 1, not P=" + prefixTokens + " S="
          + tokensPerKind);
    }
  }

  /**
   * The paper's fine-tuning: LoRA r=16, alpha=16, dropout 0.05 on the MLP, AdamW lr 2e-4 without weight decay,
   * effective batch 16 (1 × 16), 10 epochs, max length 700, step tokens P=3, S=4; warm-up over 10 % of the
   * steps, gradients clipped at norm 1 (transformers' default), seed 42.
   */
  public static TrainingSettings paperLora() {
    return new TrainingSettings(Scope.LORA, new Lora(16, 16, 0.05f, LoraTargets.MLP), 10, 1, 16, 700, 2e-4f, 0f,
        0.1f, 1f, 42, 3, 4, false);
  }

  /** Sequences per optimizer step. */
  public int effectiveBatch() {
    return batchSize * gradientAccumulation;
  }

  /** Optimizer steps in one pass over {@code examples} sequences (a last partial step counts). */
  public int stepsPerEpoch(int examples) {
    return Math.max(1, (examples + effectiveBatch() - 1) / effectiveBatch());
  }

  /** These settings for an adapter of another shape (e.g. the one a retraining continues). */
  public TrainingSettings withLora(Lora newLora) {
    return new TrainingSettings(scope, newLora, epochs, batchSize, gradientAccumulation, maxLength, learningRate,
        weightDecay, warmupRatio, maxGradNorm, seed, prefixTokens, tokensPerKind, referenceMaskOffByOne);
  }

  public TrainingSettings withEpochs(int newEpochs) {
    return new TrainingSettings(scope, lora, newEpochs, batchSize, gradientAccumulation, maxLength, learningRate,
        weightDecay, warmupRatio, maxGradNorm, seed, prefixTokens, tokensPerKind, referenceMaskOffByOne);
  }
}
