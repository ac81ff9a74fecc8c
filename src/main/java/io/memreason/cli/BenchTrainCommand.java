package io.memreason.cli;

import io.memreason.llm.random.ModelShape;
import io.memreason.training.TrainingBenchmark;
import io.memreason.training.TrainingSettings;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code memreason bench train}: LoRA training tokens/s on a model shape with random weights. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "LoRA + step-token training steps (forward, backward, clip, AdamW) on random weights and tokens; "
        + "prints one JSON line per step and a summary with tokens/s.")
final class BenchTrainCommand implements Callable<Integer>, TrainsModels {
  @Spec
  CommandSpec spec;

  @Option(names = "--shape", defaultValue = "smollm2-135m", description = "One of ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.",
      completionCandidates = ModelShapeNames.class)
  String shape;

  @Option(names = "--batch", defaultValue = "4", description = "Sequences per step. Default: ${DEFAULT-VALUE}.")
  int batch;

  @Option(names = "--length", defaultValue = "128", description = "Tokens per sequence. Default: ${DEFAULT-VALUE}.")
  int length;

  @Mixin
  LoraOptions lora;

  @Option(names = "--warmup", defaultValue = "1", description = "Unmeasured steps first. Default: ${DEFAULT-VALUE}.")
  int warmup;

  @Option(names = "--steps", defaultValue = "5", description = "Measured steps. Default: ${DEFAULT-VALUE}.")
  int steps;

  @Mixin
  TorchThreadsOption torchThreads;

  @Override
  public int torchThreads() {
    return torchThreads.count();
  }

  @Override
  public Integer call() {
    TrainingSettings settings = new TrainingSettings(TrainingSettings.Scope.LORA,
        lora.lora(), 1, batch, 1, length, 2e-4f, 0f,
        0f, 1f, 42, 3, 4, false);
    new TrainingBenchmark(shape, ModelShape.named(shape), settings, length, warmup, steps)
        .run(spec.commandLine().getOut()::println);
    return 0;
  }
}
