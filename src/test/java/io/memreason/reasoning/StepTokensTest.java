package io.memreason.reasoning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class StepTokensTest {

  @Test
  void listsTokensInIdOrderPrefixAnswerAssignmentReasonMemory() {
    assertEquals(List.of("<prefix_0>", "<prefix_1>",
        "<answer_0>", "<answer_1>", "<assignment_0>", "<assignment_1>",
        "<reason_0>", "<reason_1>", "<memory_0>", "<memory_1>"), StepTokens.of(2, 2).tokens());
    assertEquals(19, StepTokens.of(3, 4).count());
    assertEquals(19, StepTokens.of(3, 4).tokens().size());
  }

  @Test
  void groupStringsPutOneSpaceBeforeEveryToken() {
    StepTokens tokens = StepTokens.of(3, 4);
    assertEquals(" <prefix_0> <prefix_1> <prefix_2>", tokens.prefix());
    assertEquals(" <memory_0> <memory_1> <memory_2> <memory_3>", tokens.group(StepKind.MEMORY));
    assertEquals(" <reason_0> <reason_1> <reason_2> <reason_3>", tokens.group(StepKind.REASON));
    assertEquals(" <answer_0> <answer_1> <answer_2> <answer_3>", tokens.group(StepKind.ANSWER));
    assertEquals(" <assignment_0> <assignment_1> <assignment_2> <assignment_3>", tokens.group(StepKind.ASSIGNMENT));
  }

  @Test
  void recoversPrefixAndKindCountsFromTheTokenList() {
    assertEquals(StepTokens.of(2, 4), StepTokens.fromTokens(StepTokens.of(2, 4).tokens()));
    assertEquals(StepTokens.of(3, 1), StepTokens.fromTokens(StepTokens.of(3, 1).tokens()));
  }

  @Test
  void keepsTheLegacyRagNameOfOlderCheckpoints() {
    StepTokens legacy = StepTokens.fromTokens(List.of("<prefix_0>", "<answer_0>", "<assignment_0>", "<reason_0>", "<rag_0>"));
    assertEquals(new StepTokens(1, 1, StepTokens.LEGACY_MEMORY), legacy);
    assertEquals(" <rag_0>", legacy.group(StepKind.MEMORY));
  }

  @Test
  void rejectsListsThatAreNotALayout() {
    List<String> shuffled = List.of("<answer_0>", "<prefix_0>", "<assignment_0>", "<reason_0>", "<memory_0>");
    assertThrows(IllegalArgumentException.class, () -> StepTokens.fromTokens(shuffled));
    List<String> missingMemory = List.of("<prefix_0>", "<answer_0>", "<assignment_0>", "<reason_0>");
    assertThrows(IllegalArgumentException.class, () -> StepTokens.fromTokens(missingMemory));
    assertThrows(IllegalArgumentException.class, () -> StepTokens.fromTokens(List.of()));
    assertThrows(IllegalArgumentException.class, () -> StepTokens.of(0, 4));
  }
}
