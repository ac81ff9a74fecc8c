package io.memreason.llm.model;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The decoder families memreason runs, all on the one Llama forward pass: what differs between them is data read
 * from {@code config.json} (which projections have a bias, whether a sliding window is configured and where), never
 * code in the forward pass.
 *
 * @param modelType config.json's {@code model_type}
 * @param architecture the transformers class in config.json's {@code architectures}
 * @param attentionBiasKey the key that switches on biases of all four attention projections (Llama's
 *     {@code attention_bias}), or null
 * @param mlpBiasKey the key that switches on biases of the three MLP projections, or null
 * @param alwaysQueryKeyValueBias q, k and v always have a bias and o never has (Qwen2, which has no key for it)
 * @param slidingWindowKey the window's key, or null for a family without sliding-window attention
 * @param slidingWindowSwitchKey the key that must be true for the window to apply (Qwen2's
 *     {@code use_sliding_window}), or null when a non-null window always applies (Mistral)
 * @param slidingWindowFirstLayerKey the key naming the first layer the window applies to (Qwen2's
 *     {@code max_window_layers}), or null for every layer
 */
public enum ModelFamily {
  LLAMA("llama", "LlamaForCausalLM", "attention_bias", "mlp_bias", false, null, null, null),
  QWEN2("qwen2", "Qwen2ForCausalLM", null, null, true, "sliding_window", "use_sliding_window", "max_window_layers"),
  MISTRAL("mistral", "MistralForCausalLM", null, null, false, "sliding_window", null, null);

  private final String modelType;
  private final String architecture;
  final String attentionBiasKey;
  final String mlpBiasKey;
  final boolean alwaysQueryKeyValueBias;
  final String slidingWindowKey;
  final String slidingWindowSwitchKey;
  final String slidingWindowFirstLayerKey;

  ModelFamily(String modelType, String architecture, String attentionBiasKey, String mlpBiasKey,
              boolean alwaysQueryKeyValueBias, String slidingWindowKey, String slidingWindowSwitchKey,
              String slidingWindowFirstLayerKey) {
    this.modelType = modelType;
    this.architecture = architecture;
    this.attentionBiasKey = attentionBiasKey;
    this.mlpBiasKey = mlpBiasKey;
    this.alwaysQueryKeyValueBias = alwaysQueryKeyValueBias;
    this.slidingWindowKey = slidingWindowKey;
    this.slidingWindowSwitchKey = slidingWindowSwitchKey;
    this.slidingWindowFirstLayerKey = slidingWindowFirstLayerKey;
  }

  public String modelType() {
    return modelType;
  }

  public String architecture() {
    return architecture;
  }

  /** Whether this family's config.json can say that these projections have biases. */
  public boolean allows(ProjectionBiases biases) {
    if (alwaysQueryKeyValueBias) {
      return biases.queryKeyValue() && !biases.output() && !biases.mlp();
    }
    boolean attention = attentionBiasKey != null && biases.queryKeyValue() == biases.output();
    return (attention || (!biases.queryKeyValue() && !biases.output())) && (mlpBiasKey != null || !biases.mlp());
  }

  public static Optional<ModelFamily> ofModelType(String modelType) {
    return Arrays.stream(values()).filter(f -> f.modelType.equals(modelType)).findFirst();
  }

  public static Optional<ModelFamily> ofArchitecture(String architecture) {
    return Arrays.stream(values()).filter(f -> f.architecture.equals(architecture)).findFirst();
  }

  /** "llama, qwen2, mistral": for messages that name what is supported. */
  public static String supportedModelTypes() {
    return Arrays.stream(values()).map(ModelFamily::modelType).collect(Collectors.joining(", "));
  }

  /** "LlamaForCausalLM, Qwen2ForCausalLM, MistralForCausalLM". */
  public static String supportedArchitectures() {
    return Arrays.stream(values()).map(ModelFamily::architecture).collect(Collectors.joining(", "));
  }
}
