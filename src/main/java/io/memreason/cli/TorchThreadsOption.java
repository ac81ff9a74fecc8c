package io.memreason.cli;

import picocli.CommandLine.Option;

/**
 * {@code --torch-threads} of the LoRA training commands, one per core by default. Measured on the 2-vCPU development
 * machine with the SmolLM2-135M shape: 2 threads 224 tokens/s, 1 thread 137; but when other processes keep the cores
 * busy, 2 threads were 8x slower than 1 (torch's threads spin waiting for each other), so a shared machine wants 1.
 */
final class TorchThreadsOption {
  @Option(names = "--torch-threads", paramLabel = "N",
      description = "Torch's intra-op threads (training runs on one Java thread). Default: one per core; 1 when other "
          + "work shares the cores.")
  Integer threads;

  /** The threads asked for, or one per core. */
  int count() {
    return threads != null ? threads : Runtime.getRuntime().availableProcessors();
  }
}
