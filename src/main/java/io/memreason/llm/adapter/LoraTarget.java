package io.memreason.llm.adapter;

import io.memreason.llm.model.LlamaConfig;
import java.util.Optional;

/** The seven projections of a Llama layer that a LoRA adapter can target, with PEFT's module names. */
public enum LoraTarget {
  Q("self_attn", "q_proj"), K("self_attn", "k_proj"), V("self_attn", "v_proj"), O("self_attn", "o_proj"),
  GATE("mlp", "gate_proj"), UP("mlp", "up_proj"), DOWN("mlp", "down_proj");

  private final String block;
  private final String moduleName;

  LoraTarget(String block, String moduleName) {
    this.block = block;
    this.moduleName = moduleName;
  }

  /** The name in {@code target_modules}, e.g. {@code gate_proj}. */
  public String moduleName() {
    return moduleName;
  }

  /** The module's path in the transformers model, e.g. {@code model.layers.3.mlp.gate_proj}. */
  public String modulePath(int layer) {
    return "model.layers." + layer + "." + block + "." + moduleName;
  }

  /** The adapter's tensor name, e.g. {@code base_model.model.model.layers.3.mlp.gate_proj.lora_A.weight}. */
  public String tensorName(int layer, boolean a) {
    return "base_model.model." + modulePath(layer) + (a ? ".lora_A.weight" : ".lora_B.weight");
  }

  public int inFeatures(LlamaConfig c) {
    return switch (this) {
      case Q, K, V, GATE, UP -> c.hiddenSize();
      case O -> c.heads() * c.headDim();
      case DOWN -> c.intermediateSize();
    };
  }

  public int outFeatures(LlamaConfig c) {
    return switch (this) {
      case Q -> c.heads() * c.headDim();
      case K, V -> c.kvHeads() * c.headDim();
      case O, DOWN -> c.hiddenSize();
      case GATE, UP -> c.intermediateSize();
    };
  }

  public static Optional<LoraTarget> ofModuleName(String name) {
    for (LoraTarget t : values()) {
      if (t.moduleName.equals(name)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }
}
