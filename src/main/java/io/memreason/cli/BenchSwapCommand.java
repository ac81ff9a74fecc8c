package io.memreason.cli;

import ai.djl.ndarray.NDManager;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import io.memreason.config.MemreasonConfig;
import io.memreason.llm.LanguageModel;
import io.memreason.llm.adapter.LoraTarget;
import io.memreason.llm.bench.PeakResidentMemory;
import io.memreason.llm.generate.Generator;
import io.memreason.llm.generate.GeneratorSettings;
import io.memreason.llm.model.LlamaConfig;
import io.memreason.llm.random.ModelShape;
import io.memreason.llm.random.RandomAdapters;
import io.memreason.llm.random.RandomCheckpoint;
import io.memreason.llm.safetensors.Dtype;
import io.memreason.llm.weights.WeightLoader.LoraMode;
import io.memreason.reasoning.LlmReasoner;
import io.memreason.reasoning.Reasoner;
import io.memreason.reasoning.StepTokens;
import io.memreason.registry.LlmVersionLoader;
import io.memreason.registry.ModelSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code memreason bench swap}: the peak resident memory of a hot swap, two versions of one base loaded at once as the
 * serving process holds them during a swap or a canary.
 */
@Command(name = "swap", mixinStandardHelpOptions = true,
    description = "Writes a random base model of a shape and two random LoRA versions of it into a temporary folder, "
        + "loads version 1 for serving, then version 2 beside it as a hot swap does, and prints one JSON line: the "
        + "peak RSS of the swap, the base's and each version's own native memory (MB). --engine shared (memreason's "
        + "engine: one base, each version only its LoRA factors and step tokens) or copies (each version a full "
        + "copy with LoRA merged, as before the shared engine). Run each in its own process.")
final class BenchSwapCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--shape", defaultValue = "smollm2-135m",
      description = "Model shape: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).",
      completionCandidates = ModelShapeNames.class)
  String shape;

  @Option(names = "--engine", defaultValue = "shared", paramLabel = "shared|copies",
      description = "How the two versions are held (default ${DEFAULT-VALUE}).")
  String engine;

  @Mixin
  RandomLoraOptions lora;

  @Override
  public Integer call() throws Exception {
    if (!engine.equals("shared") && !engine.equals("copies")) {
      throw new IllegalArgumentException("--engine is shared or copies, not " + engine);
    }
    LlamaConfig config = ModelShape.named(shape);
    MemreasonConfig.Engine settings = MemreasonConfig.defaults().with(java.util.Map.of("engine.workers", "1",
        "engine.max-batch", "8", "engine.max-total-tokens", "256")).engine();
    JsonObject line = new JsonObject();
    try (TemporaryDirectory dir = new TemporaryDirectory("memreason-bench-swap")) {
      Path base = dir.path().resolve("base");
      RandomCheckpoint.write(base, config, 1, Dtype.F32);
      RandomCheckpoint.writeStepTokens(base, StepTokens.of(1, 1).vocabulary(), config.hiddenSize(), 2);
      List<Path> versions = List.of(dir.path().resolve("v1"), dir.path().resolve("v2"));
      try (NDManager m = NDManager.newBaseManager()) {
        for (int v = 0; v < versions.size(); v++) {
          RandomAdapters.lora(config, lora.projections(), lora.rank, lora.rank, 10 + v,
              0.02, m).write(versions.get(v), base.toString());
          RandomAdapters.stepTokens(StepTokens.of(1, 1).vocabulary(), config.hiddenSize(), 20 + v, 0.02, m)
              .write(versions.get(v));
        }
      }
      System.gc();
      double beforeMb = PeakResidentMemory.start().startMegabytes();
      Reasoner first = load(versions.get(0), base, "v1", settings, line);
      double servingMb;
      try (PeakResidentMemory swap = PeakResidentMemory.start()) {
        servingMb = swap.startMegabytes();
        try (Reasoner second = load(versions.get(1), base, "v2", settings, line)) {
          line.addProperty("peakDuringSwapMb", swap.peakMegabytes());
          line.addProperty("swapAddedMb", swap.peakMegabytes() - servingMb);
          line.addProperty("rssMethod", swap.method());
        } finally {
          first.close();
        }
      }
      line.addProperty("shape", shape);
      line.addProperty("engine", engine);
      line.addProperty("rssBeforeLoadMb", beforeMb);
      line.addProperty("rssServingOneVersionMb", servingMb);
      line.addProperty("cores", Runtime.getRuntime().availableProcessors());
      line.addProperty("loadAverage1m", BenchGenerateCommand.loadAverage());
    }
    spec.commandLine().getOut().println(new Gson().toJson(line));
    return 0;
  }

  private LlmVersionLoader shared;

  private Reasoner load(Path adapter, Path base, String version, MemreasonConfig.Engine settings, JsonObject line) {
    if (engine.equals("shared")) {
      if (shared == null) {
        shared = new LlmVersionLoader(settings, new SimpleMeterRegistry());
      }
      LlmReasoner r = (LlmReasoner) shared.load(new ModelSource(version, base, Optional.of(adapter)));
      line.addProperty("baseMb", shared.baseBytes(base) / 1e6);
      line.addProperty(version + "OwnMb", r.versionBytes() / 1e6);
      return r;
    }
    LanguageModel model = LanguageModel.load(base, LanguageModel.LoadOptions.cpu(settings.maxTotalTokens())
        .withAdapter(adapter, LoraMode.MERGED));
    line.addProperty(version + "OwnMb", model.nativeBytes() / 1e6);
    return new LlmReasoner(model, new Generator(model, GeneratorSettings.from(settings)), version, Clock.systemUTC());
  }
}
