package io.memreason.cli;

/**
 * A command that trains. It runs on one Java thread (PyTorch allows one gradient collector per process), so its
 * parallelism can only come from torch's intra-op threads: {@link Main} asks how many before DJL loads.
 */
interface TrainsModels {

  /** Torch's intra-op threads for this run ({@link TorchThreadsOption} says what was measured). */
  int torchThreads();
}
