package io.memreason.cli;

import io.memreason.config.MemreasonConfig;
import io.memreason.hub.ModelLocation;
import io.memreason.hub.ModelResolver;
import io.memreason.interop.ReferenceImport;
import io.memreason.llm.LanguageModel;
import io.memreason.llm.LanguageModel.LoadOptions;
import io.memreason.llm.weights.WeightLoader.LoraMode;
import io.memreason.reasoning.Task;
import io.memreason.training.EvaluationIndices;
import io.memreason.training.GeneratedOutput;
import io.memreason.training.GenerationEvaluation;
import io.memreason.training.ReferenceEvaluation;
import io.memreason.training.SeedExample;
import io.memreason.training.SeedFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code memreason eval}: answers a test set by greedy generation and scores it with the reference's rules. */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = {"Answers the test items of a seed-format file with a model (greedy, prompt \"Question: q\\n \" + "
        + "PREFIX) and scores prompt + generation as the reference evaluator does.",
        "Prints one JSON line (n, correct, accuracy, invalid); --out writes the generations as "
            + "[{generated_text, result}], which `memreason score` rescores."})
final class EvalCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ConfigOptions config;

  @Option(names = "--model", required = true, paramLabel = ModelLocationConverter.LABEL,
      converter = ModelLocationConverter.class,
      description = "The base model: a Hugging Face folder, or a model on the Hub (fetched into its cache first).")
  ModelLocation model;

  @Option(names = "--adapter", paramLabel = ModelLocationConverter.LABEL, converter = ModelLocationConverter.class,
      description = "A fine-tuned adapter (PEFT adapter + step tokens), e.g. a train run's OUT/best, one on the Hub, or "
          + "a run or checkpoint of the paper's reference implementation (imported into model.cache-dir on first use).")
  ModelLocation adapter;

  @Option(names = "--dataset", required = true, paramLabel = "FILE", description = "Test items in the seed format.")
  Path dataset;

  @Option(names = "--task", required = true, paramLabel = "TASK",
      description = "The answer format: strategyqa, commonsenseqa, truthfulqa or atlas.")
  String task;

  @Option(names = "--indices", paramLabel = "FILE",
      description = "Evaluate the items at these indices, in order (as `score --indices`), e.g. CommonsenseQA's draws.")
  Path indices;

  @Option(names = "--indices-key", paramLabel = "KEY", description = "Which list of an --indices object to use.")
  String indicesKey;

  @Option(names = "--limit", defaultValue = "0", description = "Evaluate the first N items only (0 = all).")
  int limit;

  @Option(names = "--max-new-tokens", paramLabel = "N",
      description = "Tokens generated per question at most. Default: engine.max-new-tokens.")
  Integer maxNewTokens;

  @Option(names = "--out", paramLabel = "FILE", description = "Write the generations here.")
  Path out;

  @Override
  public Integer call() throws Exception {
    MemreasonConfig loaded = config.load();
    MemreasonConfig.Engine engine = loaded.engine();
    ModelResolver models = ReasonerFactory.models(loaded);
    Task answers = Task.fromName(task);
    List<SeedExample> all = SeedFile.read(dataset);
    Optional<List<Integer>> drawn = Optional.empty();
    if (indices != null) {
      drawn = Optional.of(EvaluationIndices.read(indices, Optional.ofNullable(indicesKey), answers,
          dataset.getFileName().toString(), limit > 0 ? limit : all.size()));
    }
    List<SeedExample> gold = ReferenceEvaluation.goldItems(answers, all, drawn);
    if (limit > 0) {
      gold = gold.subList(0, Math.min(limit, gold.size()));
    }
    GenerationEvaluation evaluation = new GenerationEvaluation(answers,
        maxNewTokens != null ? maxNewTokens : engine.maxNewTokens(), engine.maxTotalTokens(), engine.workers(),
        engine.maxBatch());
    LoadOptions options = LoadOptions.on(LanguageModel.device(engine.device()), engine.maxTotalTokens());
    Path base = models.folder(model);
    Optional<Path> adapterDir = ReferenceImport.adapterFor(Optional.ofNullable(adapter).map(models::folder), base,
        loaded.model().cacheDir());
    if (adapterDir.isPresent()) {
      options = options.withAdapter(adapterDir.get(), LoraMode.MERGED);
    }
    try (LanguageModel lm = LanguageModel.load(base, options)) {
      GenerationEvaluation.Result result = evaluation.run(lm, gold);
      if (out != null) {
        GeneratedOutput.writeAll(out, result.outputs());
      }
      spec.commandLine().getOut().println(result.scorecard().toJson());
    }
    return 0;
  }
}
