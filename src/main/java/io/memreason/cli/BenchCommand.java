package io.memreason.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;

/** {@code memreason bench ...}: benchmarks that print their figures as JSON lines. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks; each prints JSON lines.",
    subcommands = {BenchFailoverCommand.class, BenchGenerateCommand.class, BenchLoadCommand.class,
        BenchPipelineCommand.class, BenchRepairCommand.class, BenchSwapCommand.class, BenchTrainCommand.class})
final class BenchCommand implements Runnable {
  @Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
