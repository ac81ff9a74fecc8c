package io.memreason.cli;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import io.memreason.llm.bench.GenerateBenchmark;
import io.memreason.llm.bench.PeakResidentMemory;
import io.memreason.llm.random.ModelShape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Prefill and decode throughput of a random-weight model of a named shape. */
@Command(name = "generate", mixinStandardHelpOptions = true,
    description = "Prefill and decode tokens/s of a random model of a named shape, per batch size.")
final class BenchGenerateCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--shape", defaultValue = "smollm2-135m",
      description = "Model shape: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).",
      completionCandidates = ModelShapeNames.class)
  String shape;

  @Option(names = "--workers", defaultValue = "2", description = "Worker threads (default ${DEFAULT-VALUE}).")
  int workers;

  @Option(names = "--batches", defaultValue = "1,16,64", split = ",",
      description = "Batch sizes per worker (default ${DEFAULT-VALUE}).")
  List<Integer> batches;

  @Option(names = "--prompt-tokens", defaultValue = "32", description = "Prompt length (default ${DEFAULT-VALUE}).")
  int promptTokens;

  @Option(names = "--new-tokens", defaultValue = "64", description = "Tokens generated per request (default ${DEFAULT-VALUE}).")
  int newTokens;

  @Option(names = "--adapters", defaultValue = "0",
      description = "Also run each batch on one model version and on N versions mixed in the batch, over one base"
          + " (random LoRA factors and step tokens per version; 0, the default: the base alone).")
  int adapters;

  /** With --adapters: the versions' LoRA shape. */
  @Mixin
  RandomLoraOptions lora;

  @Override
  public Integer call() throws Exception {
    if (workers < 1 || promptTokens < 1 || newTokens < 2 || batches.stream().anyMatch(b -> b < 1) || adapters < 0
        || lora.rank < 1) {
      throw new IllegalArgumentException("--workers, --batches, --prompt-tokens and --lora-r must be positive, "
          + "--new-tokens >= 2, --adapters >= 0");
    }
    GenerateBenchmark.Plan plan = new GenerateBenchmark.Plan(shape, ModelShape.named(shape), workers, batches,
        promptTokens, newTokens, adapters, lora.projections(), lora.rank);
    Gson gson = new Gson();
    GenerateBenchmark.run(plan, r -> {
      JsonObject line = gson.toJsonTree(r).getAsJsonObject();
      line.addProperty("torchThreadsPerWorker", Integer.getInteger("ai.djl.pytorch.num_threads", 1));
      line.addProperty("cores", Runtime.getRuntime().availableProcessors());
      line.addProperty("loadAverage1m", loadAverage());
      line.addProperty("peakResidentMb", PeakResidentMemory.peakSoFarMegabytes());
      spec.commandLine().getOut().println(gson.toJson(line));
      spec.commandLine().getOut().flush();
    });
    return 0;
  }

  /** The 1-minute load average: other work on the machine makes the figures noisy. */
  static double loadAverage() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
