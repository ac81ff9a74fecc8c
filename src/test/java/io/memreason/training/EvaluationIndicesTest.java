package io.memreason.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.reasoning.Task;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluationIndicesTest {

  private static final Path SEED_INDICES = ReferenceEvaluationTest.SEED.resolve("eval_subset_indices.json");

  @Test
  void picksTheListNamingTheGoldFileAmongTheSeedsLists() throws IOException {
    List<Integer> indices = EvaluationIndices.read(SEED_INDICES, Optional.empty(), Task.COMMONSENSEQA,
        "commonsense_qa_test_clean_CC.json", 1200);
    assertEquals(1200, indices.size());
    assertEquals(List.of(780, 30, 335), indices.subList(0, 3));
  }

  @Test
  void narrowsListsNamingTheTaskToTheOneAsLongAsTheOutputs() throws IOException {
    List<Integer> indices = EvaluationIndices.read(SEED_INDICES, Optional.empty(), Task.COMMONSENSEQA,
        "csqa_dev.json", 200);
    assertEquals(200, indices.size());
    assertEquals(200, EvaluationIndices.read(SEED_INDICES, Optional.empty(), Task.STRATEGYQA,
        "StrategyQA_test_clean.json", 686).size());
  }

  @Test
  void takesANamedListOrAPlainArray(@TempDir Path dir) throws IOException {
    Path plain = Files.writeString(dir.resolve("plain.json"), "[4, 1, 4]");
    assertEquals(List.of(4, 1, 4), EvaluationIndices.read(plain, Optional.empty(), Task.TRUTHFULQA, "t.json", 3));
    Path named = Files.writeString(dir.resolve("named.json"), "{\"x\": [1], \"y\": [2, 3]}");
    assertEquals(List.of(2, 3), EvaluationIndices.read(named, Optional.of("y"), Task.TRUTHFULQA, "t.json", 2));
  }

  @Test
  void asksForTheKeyWhenTheListIsAmbiguous(@TempDir Path dir) throws IOException {
    Path named = Files.writeString(dir.resolve("named.json"), "{\"x\": [1], \"y\": [2]}");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> EvaluationIndices.read(named, Optional.empty(), Task.TRUTHFULQA, "t.json", 1));
    assertTrue(e.getMessage().contains("--indices-key"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> EvaluationIndices.read(named, Optional.of("z"), Task.TRUTHFULQA, "t.json", 1));
  }
}
