package io.memreason.cli;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import io.memreason.llm.bench.LoadBenchmark;
import io.memreason.llm.random.ModelShape;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code memreason bench load}: how fast a big sharded BF16 checkpoint loads and the memory loading takes. */
@Command(name = "load", mixinStandardHelpOptions = true,
    description = "Writes a sharded BF16 checkpoint of a model shape with random weights into a temporary folder, "
        + "loads it, deletes it, and prints one JSON line: load seconds, GB/s, peak RSS, loaded float32 weights and "
        + "largest tensor (MB).")
final class BenchLoadCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--shape", defaultValue = "llama-3.2-1b",
      description = "Model shape: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).",
      completionCandidates = ModelShapeNames.class)
  String shape;

  @Option(names = "--shards", defaultValue = "3", description = "Safetensors files (default ${DEFAULT-VALUE}).")
  int shards;

  @Override
  public Integer call() throws Exception {
    if (shards < 1) {
      throw new IllegalArgumentException("--shards must be at least 1");
    }
    LoadBenchmark.Result result;
    try (TemporaryDirectory dir = new TemporaryDirectory("memreason-bench-load")) {
      result = LoadBenchmark.run(new LoadBenchmark.Plan(shape, ModelShape.named(shape), shards,
          dir.path().resolve("model"), 1024));
    }
    Gson gson = new Gson();
    JsonObject line = gson.toJsonTree(result).getAsJsonObject();
    line.addProperty("cores", Runtime.getRuntime().availableProcessors());
    line.addProperty("loadAverage1m", BenchGenerateCommand.loadAverage());
    spec.commandLine().getOut().println(gson.toJson(line));
    return 0;
  }
}
