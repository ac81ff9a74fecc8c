package io.memreason.training;

import io.memreason.reasoning.Task;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Scores generations the way the reference evaluator does: item i of a generations file answers item i of the
 * gold items the reference evaluated, and is correct when its label ({@link Task#label}) equals the gold answer's.
 */
public final class ReferenceEvaluation {

  private ReferenceEvaluation() {}

  /**
   * The gold items the reference evaluated, in the order of its generations.
   *
   * <p>StrategyQA's loader builds each gold string from the item's steps and leaves out items without any (one of
   * the 687 test items, leaving 686). The CommonsenseQA and TruthfulQA test files carry no steps at all and
   * every item is kept. A test set drawn by index (CommonsenseQA: 1200 draws of 1221) is then read through the
   * indices.
   *
   * @throws IllegalArgumentException if no item is left to evaluate or an index is outside the evaluated items
   */
  public static List<SeedExample> goldItems(Task task, List<SeedExample> gold, Optional<List<Integer>> indices) {
    List<SeedExample> evaluated = task == Task.STRATEGYQA
        ? gold.stream().filter(SeedExample::hasChainOfThought).toList() : gold;
    if (evaluated.isEmpty() && !gold.isEmpty()) {
      throw new IllegalArgumentException("none of the " + gold.size() + " gold items has chain-of-thought steps, and "
          + "StrategyQA's evaluation skips items without them: is this a StrategyQA gold file?");
    }
    if (indices.isEmpty()) {
      return evaluated;
    }
    return indices.get().stream().map(i -> {
      if (i < 0 || i >= evaluated.size()) {
        throw new IllegalArgumentException("index " + i + " is outside the " + evaluated.size()
            + " evaluated gold items; is the index list for this gold file?");
      }
      return evaluated.get(i);
    }).toList();
  }

  /**
   * Scores outputs against gold items, item by item.
   *
   * @throws IllegalArgumentException if the counts differ or the task has no labels
   */
  public static Scorecard score(Task task, List<SeedExample> gold, List<GeneratedOutput> outputs) {
    if (task == Task.OPEN) {
      throw new IllegalArgumentException("open questions have no labels to score: pick the dataset's task");
    }
    if (gold.size() != outputs.size()) {
      throw new IllegalArgumentException(outputs.size() + " outputs but " + gold.size() + " evaluated gold items: "
          + "outputs must answer the gold items in order (pass --indices for a test set drawn by index)");
    }
    int correct = 0;
    int invalid = 0;
    int differing = 0;
    boolean verdictsRecorded = false;
    for (int i = 0; i < outputs.size(); i++) {
      GeneratedOutput output = outputs.get(i);
      boolean isCorrect = task.isCorrect(output.generatedText(), gold.get(i).answer());
      correct += isCorrect ? 1 : 0;
      invalid += task.label(output.generatedText()).isEmpty() ? 1 : 0;
      if (output.referenceCorrect().isPresent()) {
        verdictsRecorded = true;
        differing += output.referenceCorrect().get() == isCorrect ? 0 : 1;
      }
    }
    return new Scorecard(outputs.size(), correct, invalid,
        verdictsRecorded ? OptionalInt.of(differing) : OptionalInt.empty());
  }
}
