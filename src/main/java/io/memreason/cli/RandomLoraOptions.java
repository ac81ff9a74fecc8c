package io.memreason.cli;

import io.memreason.llm.adapter.LoraTarget;
import io.memreason.training.LoraTargets;
import java.util.EnumSet;
import java.util.Set;
import picocli.CommandLine.Option;

/** The shape of the random LoRA versions a benchmark makes, the same for every bench command that makes them. */
final class RandomLoraOptions {
  @Option(names = "--lora-r", defaultValue = "16", description = "LoRA rank of each version (default ${DEFAULT-VALUE}).")
  int rank;

  @Option(names = "--target", defaultValue = "mlp", paramLabel = "mlp|attn|all-linear",
      description = "Projections LoRA adapts (default ${DEFAULT-VALUE}).")
  String target;

  Set<LoraTarget> projections() {
    return EnumSet.copyOf(LoraTargets.fromName(target).projections());
  }
}
