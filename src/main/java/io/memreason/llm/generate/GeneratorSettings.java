package io.memreason.llm.generate;

import io.memreason.config.MemreasonConfig;

/**
 * The shape of a {@link Generator}.
 *
 * @param workers threads, each with its own KV cache and one torch thread, sharing the model's weights
 * @param maxBatch most sequences one worker decodes together
 * @param queueCapacity requests waiting for a batch slot, per worker, before {@link Generator#submit} blocks
 * @param maxTotalTokens longest sequence, prompt plus generated tokens (the KV cache's length per slot)
 */
public record GeneratorSettings(int workers, int maxBatch, int queueCapacity, int maxTotalTokens) {

  public GeneratorSettings {
    if (workers < 1 || maxBatch < 1 || queueCapacity < 1 || maxTotalTokens < 2) {
      throw new IllegalArgumentException("generator settings must be positive (and max total tokens >= 2): "
          + workers + " workers, batch " + maxBatch + ", queue " + queueCapacity + ", total " + maxTotalTokens);
    }
  }

  public static GeneratorSettings from(MemreasonConfig.Engine engine) {
    return new GeneratorSettings(engine.workers(), engine.maxBatch(), engine.queueCapacity(), engine.maxTotalTokens());
  }
}
