package io.memreason.cli;

import io.memreason.training.LoraTargets;
import io.memreason.training.TrainingSettings;
import picocli.CommandLine.Option;

/** The LoRA adapter's shape, as {@code train} and {@code bench train} take it; the defaults are the paper's. */
final class LoraOptions {
  @Option(names = "--lora-r", defaultValue = "16", description = "LoRA rank. Default: ${DEFAULT-VALUE}.")
  int rank;

  @Option(names = "--lora-alpha", defaultValue = "16", description = "LoRA alpha (scaling alpha/r). Default: ${DEFAULT-VALUE}.")
  double alpha;

  @Option(names = "--lora-dropout", defaultValue = "0.05", description = "Default: ${DEFAULT-VALUE}.")
  float dropout;

  @Option(names = "--target", defaultValue = "mlp", paramLabel = "mlp|attn|all-linear",
      description = "Projections LoRA adapts. Default: ${DEFAULT-VALUE}.")
  String target;

  TrainingSettings.Lora lora() {
    return new TrainingSettings.Lora(rank, alpha, dropout, LoraTargets.fromName(target));
  }
}
