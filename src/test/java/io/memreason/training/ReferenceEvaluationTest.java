package io.memreason.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.memreason.reasoning.Task;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ReferenceEvaluationTest {

  static final Path SEED = Path.of(System.getProperty("memreason.shared", "../shared"), "seed");

  /** Every released output file reproduces all of the reference's verdicts and so its accuracy (method.md). */
  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "stratgeqa_agent__meta-llama__Llama-2-7b-chat-hf, STRATEGYQA, StrategyQA_test_clean.json, 485, 686",
      "stratgeqa_agent__meta-llama__Llama-3.1-8B-Instruct, STRATEGYQA, StrategyQA_test_clean.json, 517, 686",
      "stratgeqa_agent__Qwen__Qwen2.5-7B-Instruct, STRATEGYQA, StrategyQA_test_clean.json, 539, 686",
      "commonsenseqa_agent__meta-llama__Llama-2-7b-chat-hf, COMMONSENSEQA, commonsense_qa_test_clean_CC.json, 858, 1200",
      "commonsenseqa_agent__meta-llama__Llama-3.1-8B-Instruct, COMMONSENSEQA, commonsense_qa_test_clean_CC.json, 983, 1200",
      "commonsenseqa_agent__Qwen__Qwen2.5-7B-Instruct, COMMONSENSEQA, commonsense_qa_test_clean_CC.json, 1002, 1200",
      "truthfulqa_agent__meta-llama__Llama-2-7b-chat-hf, TRUTHFULQA, truthful_qa_test_clean_CC.json, 127, 164",
      "truthfulqa_agent__meta-llama__Llama-3.1-8B-Instruct, TRUTHFULQA, truthful_qa_test_clean_CC.json, 145, 164",
      "truthfulqa_agent__Qwen__Qwen2.5-7B-Instruct, TRUTHFULQA, truthful_qa_test_clean_CC.json, 133, 164",
  })
  void reproducesEveryVerdictOfTheReleasedOutputs(String name, Task task, String goldFile, int correct, int n)
      throws IOException {
    List<GeneratedOutput> outputs = GeneratedOutput.readAll(SEED.resolve("outputs").resolve(name + "_output.json"));
    Optional<List<Integer>> indices = task == Task.COMMONSENSEQA
        ? Optional.of(EvaluationIndices.read(SEED.resolve("eval_subset_indices.json"), Optional.empty(), task, goldFile,
            outputs.size()))
        : Optional.empty();
    List<SeedExample> gold = ReferenceEvaluation.goldItems(task, SeedFile.read(SEED.resolve("datasets").resolve(goldFile)),
        indices);
    Scorecard scorecard = ReferenceEvaluation.score(task, gold, outputs);
    assertEquals(OptionalInt.of(0), scorecard.verdictsDifferingFromReference());
    assertEquals(n, scorecard.n());
    assertEquals(correct, scorecard.correct());
  }

  @Test
  void answersAreMatchedToTheGoldItemsTheyAnswer() throws IOException {
    // The StrategyQA item without steps (#49) is skipped, so output 49 answers gold item 50.
    List<SeedExample> gold = ReferenceEvaluation.goldItems(Task.STRATEGYQA,
        SeedFile.read(SEED.resolve("datasets/StrategyQA_test_clean.json")), Optional.empty());
    List<GeneratedOutput> outputs =
        GeneratedOutput.readAll(SEED.resolve("outputs/stratgeqa_agent__meta-llama__Llama-2-7b-chat-hf_output.json"));
    for (int i = 0; i < outputs.size(); i++) {
      assertEquals(true, outputs.get(i).generatedText().startsWith("Question: " + gold.get(i).question() + "\n"),
          "output " + i);
    }
  }

  @Test
  void drawsTestItemsByIndexWithRepeats() {
    List<SeedExample> gold = List.of(example("a"), example("b"), example("c"));
    assertEquals(List.of(example("c"), example("a"), example("c")),
        ReferenceEvaluation.goldItems(Task.COMMONSENSEQA, gold, Optional.of(List.of(2, 0, 2))));
    assertThrows(IllegalArgumentException.class,
        () -> ReferenceEvaluation.goldItems(Task.COMMONSENSEQA, gold, Optional.of(List.of(3))));
  }

  @Test
  void countsInvalidAnswersAsWrongAndSkipsVerdictsWhenNoneAreRecorded() {
    List<SeedExample> gold = List.of(example("A"), example("B"), example("C"));
    List<GeneratedOutput> outputs = List.of(new GeneratedOutput("The answer is: A", Optional.empty()),
        new GeneratedOutput("The answer is: 42", Optional.empty()),
        new GeneratedOutput("The answer is: B", Optional.empty()));
    Scorecard scorecard = ReferenceEvaluation.score(Task.COMMONSENSEQA, gold, outputs);
    assertEquals(new Scorecard(3, 1, 1, OptionalInt.empty()), scorecard);
    assertEquals("{\"n\":3,\"correct\":1,\"accuracy\":0.3333,\"invalid\":1}", scorecard.toJson());
  }

  @Test
  void refusesOutputsThatDoNotLineUpWithTheGoldItems() {
    List<GeneratedOutput> one = List.of(new GeneratedOutput("The answer is: A", Optional.empty()));
    assertThrows(IllegalArgumentException.class,
        () -> ReferenceEvaluation.score(Task.COMMONSENSEQA, List.of(example("A"), example("B")), one));
    assertThrows(IllegalArgumentException.class, () -> ReferenceEvaluation.score(Task.OPEN, List.of(example("A")), one));
  }

  private static SeedExample example(String answer) {
    return new SeedExample("q " + answer, answer, List.of(), "test");
  }
}
