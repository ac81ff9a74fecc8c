package io.memreason.training.atlas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.reasoning.StepKind;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AtlasTruthTest {
  private static final AtlasWorld WORLD = TinyWorlds.ostra();
  private final AtlasTruth truth = new AtlasTruth(WORLD);
  private final StepJudge judge = new StepJudge(WORLD);

  private static final AtlasQuestion BORN_COUNTRY = new AtlasQuestion("born-country:Ilva:1", QuestionType.BORN_COUNTRY,
      List.of("Ilva"), "In which country was Ilva born?", "Molvia",
      List.of("[rag]: Ilva was born in Tarsen.", "[rag]: Tarsen is in Molvia.",
          "[reason]: Ilva was born in Tarsen and Tarsen is in Molvia, so Ilva was born in Molvia."),
      List.of("born_in:Ilva", "located_in:Tarsen"));
  private static final AtlasQuestion OLDER = new AtlasQuestion("older:Ilva:Bram:1", QuestionType.OLDER,
      List.of("Ilva", "Bram"), "Is Ilva older than Bram?", "True",
      List.of("[rag]: Ilva is 45 years old.", "[rag]: Bram is 30 years old.",
          "[reason]: Ilva is 45 years old and Bram is 30 years old, so Ilva is older than Bram."),
      List.of("age:Ilva", "age:Bram"));

  @Test
  void aWrongMemoryStepIsAboutTheFactOfItsRelationAndSubject() {
    assertEquals(Optional.of("Ilva was born in Tarsen."), truth.factAbout("Ilva was born in Kesh.").map(Fact::sentence));
    assertEquals(Optional.of("Ilva was born in Tarsen."), truth.factAbout("Ilva was born in Varn .").map(Fact::sentence),
        "a country where the fact names a city is still about the birth city");
    assertEquals(Optional.of("Bram is 30 years old."), truth.factAbout("Bram is 45 years old.").map(Fact::sentence));
    assertEquals(Optional.empty(), truth.factAbout("Tarsen was born in Kesh."), "a city has no birthplace");
    assertEquals(Optional.empty(), truth.factAbout("Ilva was born in in Tarsen."), "no atlas statement");
  }

  @Test
  void aWrongMemoryStepIsCorrectedWithTheFactAndAWrongReasonStepWithTheGoldReasonStep() {
    assertEquals(Optional.of("Tarsen is in Molvia."),
        truth.correction(BORN_COUNTRY, StepKind.MEMORY, 1, "Tarsen is in Varn."));
    assertEquals(Optional.of("Tarsen is in Molvia."),
        truth.correction(BORN_COUNTRY, StepKind.MEMORY, 1, "Tarsen Tarsen Tarsen"),
        "unreadable: the gold memory step at its place");
    assertEquals(Optional.of("Ilva was born in Tarsen and Tarsen is in Molvia, so Ilva was born in Molvia."),
        truth.correction(BORN_COUNTRY, StepKind.REASON, 2,
            "Ilva was born in Tarsen and Tarsen is in Molvia, so Ilva was born in Varn."));
  }

  @Test
  void aFalsehoodHasTheShapeOfTheTrueStepAndIsFalse() {
    Random random = new Random(1);
    Optional<String> memory = truth.falsehood(BORN_COUNTRY, StepKind.MEMORY, "Tarsen is in Molvia.", random);
    assertEquals(Optional.of("Tarsen is in Varn."), memory, "the only other country");

    Optional<String> where = truth.falsehood(BORN_COUNTRY, StepKind.REASON,
        "Ilva was born in Tarsen and Tarsen is in Molvia, so Ilva was born in Molvia.", random);
    assertEquals(Optional.of("Ilva was born in Tarsen and Tarsen is in Molvia, so Ilva was born in Varn."), where);

    Optional<String> trueOrFalse = truth.falsehood(OLDER, StepKind.REASON,
        "Ilva is 45 years old and Bram is 30 years old, so Ilva is older than Bram.", random);
    assertEquals(Optional.of("Ilva is 45 years old and Bram is 30 years old, so Ilva is not older than Bram."),
        trueOrFalse, "a True/False conclusion turns into its opposite");
    for (String step : List.of(memory.get(), where.get(), trueOrFalse.get())) {
      assertFalse(judge.judge(step.contains(", so ") ? StepKind.REASON : StepKind.MEMORY, step).isCorrect(), step);
    }
  }

  @Test
  void thereIsNoFalsehoodOfAStepThatIsNoStatement() {
    assertTrue(truth.falsehood(OLDER, StepKind.MEMORY, "Ilva Ilva", new Random(1)).isEmpty());
    assertTrue(truth.falsehood(OLDER, StepKind.REASON, "Ilva is 45 years old.", new Random(1)).isEmpty(),
        "a reason step without premises");
  }
}
