package io.memreason.llm.random;

import io.memreason.llm.model.LlamaConfig;
import io.memreason.llm.model.ModelFamily;
import io.memreason.llm.model.ProjectionBiases;
import io.memreason.llm.model.RopeScaling;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/** Named shapes of real models for random models: benchmarks, tests and the demo's locally built model. */
public final class ModelShape {
  private ModelShape() {}

  /** SmolLM2-135M: hidden 576, 30 layers, 9 heads / 3 KV heads, vocabulary 49152, tied embeddings. */
  public static final LlamaConfig SMOLLM2_135M = new LlamaConfig(49152, 576, 1536, 30, 9, 3, 64, 1e-5, 100000,
      Optional.empty(), true, 1, List.of(2), 8192);

  /**
   * Llama-3.2-1B: hidden 2048, 16 layers, 32 heads / 8 KV heads, MLP 8192, vocabulary 128256, tied embeddings,
   * llama3 rope scaling; 1.24 B parameters, 2.5 GB in BF16.
   */
  public static final LlamaConfig LLAMA_3_2_1B = new LlamaConfig(128256, 2048, 8192, 16, 32, 8, 64, 1e-5, 500000,
      Optional.of(new RopeScaling(32, 1, 4, 8192)), true, 128000, List.of(128001), 131072);

  /**
   * Qwen2.5-0.5B: hidden 896, 24 layers, 14 heads / 2 KV heads, MLP 4864, vocabulary 151936, tied embeddings, q/k/v
   * biases; no BOS (its tokenizer adds none).
   */
  public static final LlamaConfig QWEN2_5_0_5B = new LlamaConfig(151936, 896, 4864, 24, 14, 2, 64, 1e-6, 1e6,
      Optional.empty(), true, -1, List.of(151643), 32768, ModelFamily.QWEN2, new ProjectionBiases(true, false, false),
      OptionalInt.empty());

  /** A two-layer model with grouped-query attention, small enough for unit tests. */
  public static final LlamaConfig TINY = new LlamaConfig(384, 64, 160, 2, 4, 2, 16, 1e-5, 10000,
      Optional.empty(), false, 1, List.of(2), 1024);

  public static List<String> names() {
    return List.of("smollm2-135m", "qwen2.5-0.5b", "llama-3.2-1b", "tiny");
  }

  public static LlamaConfig named(String name) {
    return switch (name) {
      case "smollm2-135m" -> SMOLLM2_135M;
      case "qwen2.5-0.5b" -> QWEN2_5_0_5B;
      case "llama-3.2-1b" -> LLAMA_3_2_1B;
      case "tiny" -> TINY;
      default -> throw new IllegalArgumentException("unknown model shape '" + name + "'; known: " + names());
    };
  }
}
