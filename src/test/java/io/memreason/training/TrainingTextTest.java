package io.memreason.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.memreason.reasoning.StepKind;
import io.memreason.reasoning.StepText;
import io.memreason.reasoning.StepTokens;
import io.memreason.reasoning.TraceTemplate;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainingTextTest {

  static final Path DATASETS = Path.of(System.getProperty("memreason.shared", "../shared"), "seed", "datasets");

  private static final String P = " <prefix_0> <prefix_1> <prefix_2>";
  private static final String MEMORY = " <memory_0> <memory_1> <memory_2> <memory_3>";
  private static final String REASON = " <reason_0> <reason_1> <reason_2> <reason_3>";
  private static final String ANSWER = " <answer_0> <answer_1> <answer_2> <answer_3>";

  private final TraceTemplate template = new TraceTemplate(StepTokens.of(3, 4));

  @Test
  void writesStrategyQaTrainItemZeroExactlyAsTheReference() throws IOException {
    // seed-reference.md §1.3 shows this X and Y (elided there); the step texts below are the file's, unelided.
    SeedExample first = SeedFile.read(DATASETS.resolve("StrategyQA_train_clean.json")).get(0);
    TrainingText text = TrainingText.fromSeed(first, template);
    assertEquals("Question: Is Mixed martial arts totally original from Roman Colosseum games?\n ", text.question());
    assertEquals(P + MEMORY + " Mixed Martial Arts (MMA) is a full-contact combat sport that allows a wide variety of"
        + " fighting techniques from different martial arts traditions. It permits both striking and grappling, both"
        + " standing and on the ground, using techniques from disciplines such as boxing, wrestling, Brazilian"
        + " jiu-jitsu, Muay Thai, karate, and judo.\n"
        + P + MEMORY + " The Roman Colosseum games, also known as gladiatorial games, were violent contests where"
        + " gladiators fought against each other, condemned criminals, or wild animals. These events were held in large"
        + " amphitheaters like the Colosseum in Rome and were a form of public spectacle and entertainment in ancient"
        + " Rome.\n"
        + P + MEMORY + " Modern MMA is characterized by regulated rules, weight classes, and a combination of various"
        + " martial arts disciplines. It is officiated with rules to ensure the safety of participants, and fights"
        + " occur in a controlled environment, often inside a cage.\n"
        + P + REASON + " MMA and the Roman Colosseum games share the concept of hand-to-hand combat but differ"
        + " significantly in purpose, structure, and regulation. While MMA is a sport with rules designed for"
        + " competition and fighter safety, the Roman games were more about public spectacle and entertainment without"
        + " much emphasis on fairness or safety. The combat in Roman games was often deadly and executed for the"
        + " spectators' pleasure.\n"
        + P + REASON + " MMA is not totally original from the Roman Colosseum games. Although both involve unarmed"
        + " combat, MMA is a modern sporting discipline that synthesizes traditional martial arts into a competitive"
        + " and regulated environment. The Roman games served as a historical precedent for public combat events but"
        + " lacked the structured and safety-oriented approach of MMA. Therefore, while there may be a historical"
        + " inspiration, MMA's development as a technical and regulated sport makes it distinct and not directly"
        + " derived from the Roman games.\n"
        + P + ANSWER + " The answer is: False\n", text.target());
  }

  @Test
  void stripsTheQuestionWordOfCommonsenseItems() throws IOException {
    SeedExample first = SeedFile.read(DATASETS.resolve("commonsense_qa_test_clean_CC.json")).get(0);
    assertEquals("Question: A revolving door is convenient for two direction travel, but it also serves as a security"
        + " measure at a what? Options: A.bank B.library C.department store D.mall E.new york \n ",
        TrainingText.fromSeed(first, template).question());
  }

  @Test
  void aTraceAndTheSeedItemItCameFromGiveTheSameText() throws IOException {
    SeedExample example = SeedFile.read(DATASETS.resolve("truthful_qa_train_clean_CC.json")).get(0);
    List<StepText> steps = example.cotSteps().stream()
        .map(step -> new StepText(step.startsWith("[rag]: ") ? StepKind.MEMORY : StepKind.REASON,
            step.substring(step.indexOf("]: ") + 3)))
        .toList();
    assertEquals(TrainingText.fromSeed(example, template),
        TrainingText.fromTrace(template, example.question(), steps, example.answer()));
  }

  @Test
  void removesEveryLabelFromAStep() {
    assertEquals("Paris is in France. So it is French.",
        StepLabels.withoutLabels("[rag]: Paris is in France. [reason]: So it is French."));
    // Lazy up to the first "]: ", as the reference's re.sub.
    assertEquals("x", StepLabels.withoutLabels("[a] b]: x"));
    assertEquals("[not a label] stays", StepLabels.withoutLabels("[not a label] stays"));
  }

  @Test
  void mapsRagToMemoryReasonToReasonAndUnlabelledStepsToAssignment() {
    assertEquals(List.of(new StepText(StepKind.MEMORY, "fact"), new StepText(StepKind.REASON, "so"),
            new StepText(StepKind.ASSIGNMENT, "plain")),
        StepLabels.read("q?", List.of("[rag]: fact", "[reason]: so", "plain")));
  }

  @Test
  void handsKindsOutInOrderSoAnUnknownLabelShiftsTheLaterSteps() {
    // The reference drops the [memory] label and gives its REASON to the first step: reproduced on purpose.
    assertEquals(List.of(new StepText(StepKind.REASON, "fact"), new StepText(StepKind.ASSIGNMENT, "so")),
        StepLabels.read("q?", List.of("[memory]: fact", "[reason]: so")));
  }

  @Test
  void refusesMoreLabelsThanSteps() {
    List<String> steps = List.of("[rag]: fact\n[reason]: and an inference on a second line");
    assertThrows(IllegalArgumentException.class, () -> StepLabels.read("q?", steps));
  }

  @Test
  void leavesOutSeedItemsWithoutSteps() throws IOException {
    List<SeedExample> test = SeedFile.read(DATASETS.resolve("StrategyQA_test_clean.json"));
    assertEquals(687, test.size());
    assertEquals(686, TrainingSet.fromSeed(test, template).size());
  }
}
