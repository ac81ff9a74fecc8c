package io.memreason.training;

import io.memreason.llm.adapter.LoraTarget;
import io.memreason.llm.adapter.TargetModules;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** Which projections of every layer LoRA adapts: the paper's MLP choice, attention, or all seven. */
public enum LoraTargets {
  /** gate_proj, up_proj, down_proj: the paper's {@code --lora_module mlp}. */
  MLP(LoraTarget.GATE, LoraTarget.UP, LoraTarget.DOWN),
  /** q_proj, k_proj, v_proj, o_proj: the paper's {@code --lora_module atten}. */
  ATTN(LoraTarget.Q, LoraTarget.K, LoraTarget.V, LoraTarget.O),
  /** Every linear layer of the decoder (PEFT's {@code all-linear}, which leaves out the output head). */
  ALL_LINEAR(LoraTarget.values());

  private final List<LoraTarget> projections;

  LoraTargets(LoraTarget... projections) {
    this.projections = List.of(projections);
  }

  public List<LoraTarget> projections() {
    return projections;
  }

  /** PEFT's {@code target_modules} for these projections. */
  public TargetModules modules() {
    return TargetModules.of(projections.stream().map(LoraTarget::moduleName).sorted().toList());
  }

  /** The command-line name: {@code mlp}, {@code attn}, {@code all-linear}. */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The choice whose projections are exactly an adapter's {@code target_modules}, if one is. */
  public static Optional<LoraTargets> of(TargetModules modules) {
    return Arrays.stream(values()).filter(t -> t.modules().equals(modules)
        || (modules.pattern() != null && modules.pattern().equals("all-linear") && t == ALL_LINEAR)).findFirst();
  }

  public static LoraTargets fromName(String name) {
    return Arrays.stream(values()).filter(t -> t.cliName().equals(name.strip().toLowerCase(Locale.ROOT))).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown LoRA target '" + name + "': use one of "
            + Arrays.stream(values()).map(LoraTargets::cliName).collect(Collectors.joining(", "))));
  }
}
