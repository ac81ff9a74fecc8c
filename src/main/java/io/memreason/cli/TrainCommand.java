package io.memreason.cli;

import com.google.gson.Gson;
import io.memreason.hub.ModelLocation;
import io.memreason.reasoning.Task;
import io.memreason.training.FineTuning;
import io.memreason.training.Trainer;
import io.memreason.training.TrainingProgress;
import io.memreason.training.TrainingSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code memreason train}: LoRA + step-token fine-tuning of a Hugging Face Llama folder on a seed-format dataset. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = {"Fine-tunes a base model the paper's way: LoRA plus trainable step-token rows, everything else "
        + "frozen. Writes checkpoint-<step>/ folders (PEFT adapter + step tokens + optimizer state) into --out, "
        + "with links 'last' (resume) and 'best' (serve: --adapter OUT/best).",
        "Prints one JSON line at the end: best and last checkpoint, best eval accuracy, steps."})
final class TrainCommand implements Callable<Integer>, TrainsModels {
  @Spec
  CommandSpec spec;

  @Mixin
  ConfigOptions config;

  @Option(names = "--base", required = true, paramLabel = ModelLocationConverter.LABEL,
      converter = ModelLocationConverter.class,
      description = "The base model: a Hugging Face folder, or a model on the Hub (fetched into its cache first).")
  ModelLocation base;

  @Option(names = "--dataset", required = true, paramLabel = "FILE",
      description = "Training items: [{question, answer, cot_steps, split}] (the seed format).")
  Path dataset;

  @Option(names = "--task", required = true, paramLabel = "TASK",
      description = "The answer format, for evaluation: strategyqa, commonsenseqa, truthfulqa or atlas.")
  String task;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where checkpoints go.")
  Path out;

  @Option(names = "--epochs", defaultValue = "10", description = "Default: ${DEFAULT-VALUE}.")
  int epochs;

  @Mixin
  LoraOptions lora;

  @Option(names = "--lr", defaultValue = "2e-4", description = "Peak learning rate. Default: ${DEFAULT-VALUE}.")
  float learningRate;

  @Option(names = "--weight-decay", defaultValue = "0", description = "AdamW's decoupled decay. Default: ${DEFAULT-VALUE}.")
  float weightDecay;

  @Option(names = "--warmup-ratio", defaultValue = "0.1", description = "Share of steps warming up. Default: ${DEFAULT-VALUE}.")
  float warmupRatio;

  @Option(names = "--max-grad-norm", defaultValue = "1.0", description = "Global gradient-norm clip, 0 = none. Default: ${DEFAULT-VALUE}.")
  float maxGradNorm;

  @Option(names = "--batch", defaultValue = "1", description = "Sequences per forward pass. Default: ${DEFAULT-VALUE}.")
  int batch;

  @Option(names = "--grad-accum", defaultValue = "16", description = "Forward passes per update. Default: ${DEFAULT-VALUE}.")
  int gradientAccumulation;

  @Option(names = "--max-length", defaultValue = "700", description = "Tokens per sequence before EOS. Default: ${DEFAULT-VALUE}.")
  int maxLength;

  @Option(names = "--prefix-tokens", defaultValue = "3",
      description = "P, when the base has no step tokens yet. Default: ${DEFAULT-VALUE}.")
  int prefixTokens;

  @Option(names = "--tokens-per-kind", defaultValue = "4",
      description = "S, when the base has no step tokens yet. Default: ${DEFAULT-VALUE}.")
  int tokensPerKind;

  @Option(names = "--reference-mask", description = "Also train on the question's last token, as the reference does.")
  boolean referenceMask;

  @Option(names = "--train-limit", defaultValue = "0", description = "Train on the first N items only (0 = all).")
  int trainLimit;

  @Option(names = "--eval-dataset", paramLabel = "FILE", description = "Test items scored at every epoch's end.")
  Path evalDataset;

  @Option(names = "--eval-limit", defaultValue = "0", description = "Score the first N test items (0 = all).")
  int evalLimit;

  @Option(names = "--eval-max-new-tokens", defaultValue = "256",
      description = "Tokens generated per test question at most. Default: ${DEFAULT-VALUE}.")
  int evalMaxNewTokens;

  @Option(names = "--seed", defaultValue = "42", description = "Default: ${DEFAULT-VALUE}.")
  long seed;

  @Option(names = "--resume", description = "Continue the run whose checkpoints are in --out.")
  boolean resume;

  @Mixin
  TorchThreadsOption torchThreads;

  @Override
  public int torchThreads() {
    return torchThreads.count();
  }

  @Override
  public Integer call() throws Exception {
    TrainingSettings settings = new TrainingSettings(TrainingSettings.Scope.LORA,
        lora.lora(), epochs, batch,
        gradientAccumulation, maxLength, learningRate, weightDecay, warmupRatio, maxGradNorm, seed, prefixTokens,
        tokensPerKind, referenceMask);
    Optional<FineTuning.EvaluationSet> evaluation = Optional.ofNullable(evalDataset)
        .map(file -> new FineTuning.EvaluationSet(file, evalLimit, evalMaxNewTokens));
    Path baseFolder = ReasonerFactory.models(config.load()).folder(base);
    FineTuning.Request request = new FineTuning.Request(baseFolder, dataset, Task.fromName(task), out, settings, trainLimit,
        evaluation, resume);
    Trainer.Outcome outcome;
    try (TrainingProgress progress = TrainingProgress.forConsole(System.err, Duration.ofSeconds(30))) {
      outcome = FineTuning.run(request, progress);
    }
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("best", outcome.best().toString());
    summary.put("last", outcome.last().toString());
    summary.put("best_eval_accuracy", outcome.state().bestAccuracy());
    summary.put("steps", outcome.state().globalStep());
    summary.put("epochs", outcome.state().epochsDone());
    spec.commandLine().getOut().println(new Gson().toJson(summary));
    return 0;
  }
}
