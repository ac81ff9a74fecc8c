package io.memreason.reasoning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TaskTest {

  @Test
  void strategyQaTakesTheFirstMatchAndKeepsTheModelsCase() {
    assertEquals(Optional.of("True"), Task.STRATEGYQA.label("x The answer is: True\n then The answer is: False"));
    assertEquals(Optional.of("false"), Task.STRATEGYQA.label("THE ANSWER IS: false"));
    assertTrue(Task.STRATEGYQA.isCorrect("... The answer is: True\n", "True"));
    // Matched case-insensitively but compared case-sensitively: the reference counts "true" as wrong.
    assertFalse(Task.STRATEGYQA.isCorrect("... The answer is: true\n", "True"));
  }

  @Test
  void strategyQaReadsNumbersWithoutCommasAndNothingElse() {
    assertEquals(Optional.of("-1000.5"), Task.STRATEGYQA.label("The answer is: -1,000.5 apples"));
    assertEquals(Optional.empty(), Task.STRATEGYQA.label("The answer is: Yes"));
    assertEquals(Optional.empty(), Task.STRATEGYQA.label("The answer is:True"));
    assertFalse(Task.STRATEGYQA.isCorrect("The answer is: Yes", "True"));
  }

  @Test
  void multipleChoiceTakesTheFirstLetterAfterTheLastPhrase() {
    assertEquals(Optional.of("C"), Task.COMMONSENSEQA.label("The answer is: A, no wait. The answer is: c. mall"));
    // Upper-casing first: any A-E letter counts, so "the bank" reads as the E of "THE".
    assertEquals(Optional.of("E"), Task.COMMONSENSEQA.label("The answer is: the bank"));
    assertEquals(Optional.empty(), Task.COMMONSENSEQA.label("Options: A.x B.y The answer is: 42"));
  }

  @Test
  void multipleChoiceWithoutThePhraseTakesTheLastLetterOfTheWholeText() {
    assertEquals(Optional.of("E"), Task.COMMONSENSEQA.label("Options: A.bank B.library so maybe the"));
    assertEquals(Optional.empty(), Task.COMMONSENSEQA.label("123 !?"));
  }

  @Test
  void truthfulQaReadsLettersUpToNIncludingTheReferencesOptionQuirk() {
    assertEquals(Optional.of("N"), Task.TRUTHFULQA.label("The answer is: N"));
    assertEquals(Optional.of("I"), Task.TRUTHFULQA.label("The answer is: Option D"));
    assertEquals(Optional.of("D"), Task.COMMONSENSEQA.label("The answer is: Option D"));
  }

  @Test
  void atlasTakesTheRestOfTheFirstAnswerLine() {
    assertEquals(Optional.of("Port Maren"), Task.ATLAS.label("... The answer is:  Port Maren.\nThe answer is: X"));
    assertEquals(Optional.of("Velt"), Task.ATLAS.label("The answer is: Velt"));
    assertEquals(Optional.empty(), Task.ATLAS.label("The answer is: \n"));
    assertTrue(Task.ATLAS.isCorrect("The answer is: Port Maren\n", "Port Maren"));
  }

  @Test
  void openQuestionsHaveNoLabel() {
    assertEquals(Optional.empty(), Task.OPEN.label("The answer is: True"));
    assertThrows(IllegalArgumentException.class, () -> Task.OPEN.goldLabel("True"));
  }

  @Test
  void rejectsGoldAnswersOutsideTheTasksFormat() {
    assertEquals("True", Task.STRATEGYQA.goldLabel("True"));
    assertThrows(IllegalArgumentException.class, () -> Task.STRATEGYQA.goldLabel("Yes"));
    assertThrows(IllegalArgumentException.class, () -> Task.COMMONSENSEQA.goldLabel("42"));
  }

  @Test
  void writesOptionsTheWayEachDatasetDoes() {
    assertEquals("What do people aim to do at work? Options: A.complete job B.learn from each other ",
        Task.COMMONSENSEQA.withOptions("What do people aim to do at work?", List.of("complete job", "learn from each other")));
    assertEquals("Where? A. Here. B. There.", Task.TRUTHFULQA.withOptions("Where?", List.of("Here.", "There.")));
    assertEquals("Is it?", Task.STRATEGYQA.withOptions("Is it?", List.of()));
    List<String> six = List.of("a", "b", "c", "d", "e", "f");
    assertThrows(IllegalArgumentException.class, () -> Task.COMMONSENSEQA.withOptions("q", six));
  }

  @Test
  void findsTasksByNameIgnoringCase() {
    assertEquals(Task.COMMONSENSEQA, Task.fromName("commonsenseqa"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Task.fromName("gsm8k"));
    assertTrue(e.getMessage().contains("strategyqa"), e.getMessage());
  }
}
