package io.memreason.training.atlas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.reasoning.StepKind;
import org.junit.jupiter.api.Test;

class StepJudgeTest {

  private final StepJudge judge = new StepJudge(TinyWorlds.ostra());

  @Test
  void memoryStepStatingAFactIsCorrectWhateverItsSpacing() {
    assertEquals(StepJudgement.CORRECT, judge.judge(StepKind.MEMORY, "Ilva was born in Tarsen."));
    assertEquals(StepJudgement.CORRECT, judge.judge(StepKind.MEMORY, " Ilva  was born in Tarsen .\n"));
    assertEquals(StepJudgement.CORRECT, judge.judge(StepKind.MEMORY, "Pelmor is made of iron"));
    assertEquals(StepJudgement.CORRECT, judge.judge(StepKind.MEMORY, "Bram is 30 years old."));
  }

  @Test
  void memoryStepWithAWrongValueIsWrong() {
    assertEquals(StepJudgement.WRONG, judge.judge(StepKind.MEMORY, "Ilva was born in Kesh."));
    assertEquals(StepJudgement.WRONG, judge.judge(StepKind.MEMORY, "Tarsen is in Varn."));
    assertEquals(StepJudgement.WRONG, judge.judge(StepKind.MEMORY, "Bram is 45 years old."));
    assertEquals(StepJudgement.WRONG, judge.judge(StepKind.MEMORY, "Ilva owns Drusk."));
  }

  @Test
  void statementsAboutTheWrongKindOfThingAreWrong() {
    assertEquals(StepJudgement.WRONG, judge.judge(StepKind.MEMORY, "Tarsen was born in Ilva."));
    assertEquals(StepJudgement.WRONG, judge.judge(StepKind.MEMORY, "Ilva was born in Zork."));
    assertEquals(StepJudgement.WRONG, judge.judge(StepKind.MEMORY, "Tarsen is in Tarsen."));
  }

  @Test
  void placesContainTheirPlaces() {
    assertEquals(StepJudgement.CORRECT, judge.judge(StepKind.MEMORY, "Ilva was born in Molvia."));
    assertEquals(StepJudgement.CORRECT, judge.judge(StepKind.MEMORY, "Ilva lives in Ostra."));
    assertEquals(StepJudgement.CORRECT, judge.judge(StepKind.MEMORY, "Tarsen is in Ostra."));
  }

  @Test
  void textThatIsNoAtlasStatementIsUnreadable() {
    assertEquals(StepJudgement.UNREADABLE, judge.judge(StepKind.MEMORY, "Ilva was born in in Tarsen."));
    assertEquals(StepJudgement.UNREADABLE, judge.judge(StepKind.MEMORY, ""));
    assertEquals(StepJudgement.UNREADABLE,
        judge.judge(StepKind.MEMORY, "Ilva was born in Tarsen and Bram is 30 years old."));
    assertEquals(StepJudgement.UNREADABLE, judge.judge(StepKind.REASON, "so , Ilva"));
  }

  @Test
  void reasonStepIsCorrectWhenPremisesAndConclusionAreTrue() {
    assertEquals(StepJudgement.CORRECT, judge.judge(StepKind.REASON,
        "Ilva was born in Tarsen and Tarsen is in Molvia, so Ilva was born in Molvia."));
    assertEquals(StepJudgement.CORRECT, judge.judge(StepKind.REASON,
        "Ilva lives in Kesh, Kesh is in Varn and Varn is part of Ostra, so Ilva lives in Ostra."));
    assertEquals(StepJudgement.CORRECT, judge.judge(StepKind.REASON,
        "Ilva is 45 years old and Bram is 30 years old, so Ilva is older than Bram."));
    assertEquals(StepJudgement.CORRECT, judge.judge(StepKind.REASON,
        "Ilva was born in Tarsen and Bram was born in Kesh, so Ilva and Bram were not born in the same city."));
    assertEquals(StepJudgement.CORRECT, judge.judge(StepKind.REASON,
        "Bram was born in Kesh and Bram lives in Kesh, so Bram lives in the city where Bram was born."));
    assertEquals(StepJudgement.CORRECT, judge.judge(StepKind.REASON,
        "Ilva owns Pelmor and Pelmor is made of iron, so Ilva owns an object made of iron."));
    assertEquals(StepJudgement.CORRECT, judge.judge(StepKind.REASON, "Tarsen is in Molvia, so Tarsen is not in Varn."));
    assertEquals(StepJudgement.CORRECT, judge.judge(StepKind.REASON,
        "Pelmor is made of iron, so Pelmor is not made of wood."));
  }

  @Test
  void reasonStepWithAFalseConclusionOrPremiseIsWrong() {
    assertEquals(StepJudgement.WRONG, judge.judge(StepKind.REASON,
        "Ilva was born in Tarsen and Tarsen is in Molvia, so Ilva was born in Varn."));
    assertEquals(StepJudgement.WRONG, judge.judge(StepKind.REASON,
        "Ilva is 45 years old and Bram is 30 years old, so Ilva is not older than Bram."));
    assertEquals(StepJudgement.WRONG, judge.judge(StepKind.REASON,
        "Ilva was born in Kesh and Kesh is in Varn, so Ilva was born in Molvia."));
    assertEquals(StepJudgement.WRONG, judge.judge(StepKind.REASON,
        "Ilva was born in Tarsen and Ilva lives in Kesh, so Ilva lives in the city where Ilva was born."));
    assertEquals(StepJudgement.WRONG, judge.judge(StepKind.REASON, "Tarsen is in Molvia, so Tarsen is not in Molvia."));
    assertEquals(StepJudgement.WRONG, judge.judge(StepKind.REASON,
        "Pelmor is made of iron, so Pelmor is not made of iron."));
  }

  @Test
  void claimNamingTwoPeopleWhereOneIsExpectedIsUnreadable() {
    assertEquals(StepJudgement.UNREADABLE, judge.judge(StepKind.REASON,
        "Bram was born in Kesh and Bram lives in Kesh, so Bram lives in the city where Ilva was born."));
  }

  @Test
  void answerStepsAreNotJudgedHere() {
    IllegalArgumentException error =
        assertThrows(IllegalArgumentException.class, () -> judge.judge(StepKind.ANSWER, "The answer is: Molvia"));
    assertTrue(error.getMessage().contains("ANSWER"), error.getMessage());
  }
}
