package io.memreason.cli;

import io.memreason.reasoning.Task;
import io.memreason.training.EvaluationIndices;
import io.memreason.training.GeneratedOutput;
import io.memreason.training.ReferenceEvaluation;
import io.memreason.training.Scorecard;
import io.memreason.training.SeedExample;
import io.memreason.training.SeedFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code memreason score}: scores a generations file against gold answers with the reference evaluator's rules. */
@Command(name = "score", mixinStandardHelpOptions = true,
    description = {"Scores a generations file ([{generated_text, result}], item i answering gold item i) with the "
        + "reference evaluator's rules.",
        "Prints one JSON line: n, correct, accuracy, invalid and, when the file records verdicts, "
            + "verdicts_differing_from_reference."})
final class ScoreCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--task", required = true, paramLabel = "TASK",
      description = "The answer format: strategyqa, commonsenseqa, truthfulqa or atlas.")
  String task;

  @Option(names = "--gold", required = true, paramLabel = "GOLD.json",
      description = "The seed-format test file ([{question, answer, cot_steps, split}]).")
  Path gold;

  @Option(names = "--outputs", required = true, paramLabel = "OUT.json", description = "The generations file.")
  Path outputs;

  @Option(names = "--indices", paramLabel = "FILE",
      description = "Test-set indices the outputs answer, in order (e.g. seed/eval_subset_indices.json for "
          + "CommonsenseQA): a JSON array, or an object of named lists.")
  Path indices;

  @Option(names = "--indices-key", paramLabel = "KEY",
      description = "Which list of an --indices object to use (default: the one naming the dataset).")
  String indicesKey;

  @Override
  public Integer call() throws Exception {
    Task answerFormat = Task.fromName(task);
    List<GeneratedOutput> generated = GeneratedOutput.readAll(outputs);
    Optional<List<Integer>> drawn = Optional.empty();
    if (indices != null) {
      drawn = Optional.of(EvaluationIndices.read(indices, Optional.ofNullable(indicesKey), answerFormat,
          gold.getFileName().toString(), generated.size()));
    }
    List<SeedExample> goldItems = ReferenceEvaluation.goldItems(answerFormat, SeedFile.read(gold), drawn);
    Scorecard scorecard = ReferenceEvaluation.score(answerFormat, goldItems, generated);
    spec.commandLine().getOut().println(scorecard.toJson());
    return 0;
  }
}
