package io.memreason.cli;

/**
 * A command that trains. It runs on one Java thread (PyTorch allows one gradient collector per process), so its
 * parallelism can only come from torch's intra-op threads: {@link Main} asks how many before DJL loads.
 */
interface TrainsModels {

  /**
   * Torch's intra-op threads for this run. One by default: on the 2-vCPU development machines two threads made a
   * SmolLM2-shaped LoRA step 8x slower (17 vs 132 tokens/s) and the default model's training about 10x slower.
   */
  int torchThreads();
}
