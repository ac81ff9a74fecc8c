package io.memreason.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.avro.Answer;
import io.memreason.avro.AnswerStatus;
import io.memreason.avro.Feedback;
import io.memreason.avro.ReasoningStep;
import io.memreason.avro.StepKind;
import io.memreason.avro.StepVerdict;
import io.memreason.avro.Task;
import io.memreason.avro.Verdict;
import io.memreason.training.atlas.AtlasDataset;
import io.memreason.training.atlas.AtlasQuestion;
import io.memreason.training.atlas.AtlasWorld;
import io.memreason.training.atlas.EntityKind;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AtlasLabellerTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  private static final AtlasDataset DATASET = AtlasDataset.generate(3,
      new AtlasDataset.Sizes(new AtlasWorld.Sizes(2, 2, 4, 6, 3, 3), 1, 8, 3, 2));
  private final AtlasLabeller labeller = new AtlasLabeller(DATASET, Clock.fixed(T, ZoneOffset.UTC));

  /** A held-out question whose trace starts with a memory step naming the birth city. */
  private static AtlasQuestion birthplaceQuestion() {
    return DATASET.heldOut().stream().filter(q -> q.cotSteps().get(0).startsWith("[rag]: ")
        && q.cotSteps().get(0).contains(" was born in ")).findFirst().orElseThrow();
  }

  private static Answer answer(AtlasQuestion q, List<String> steps, String label) {
    return answer(q.question(), steps, label);
  }

  private static Answer answer(String question, List<String> steps, String label) {
    List<ReasoningStep> written = new ArrayList<>();
    for (int i = 0; i < steps.size(); i++) {
      boolean memory = steps.get(i).startsWith("[rag]: ");
      written.add(new ReasoningStep("q", i, memory ? StepKind.MEMORY : StepKind.REASON,
          steps.get(i).substring(steps.get(i).indexOf("]: ") + 3), "v1", 5, T, T, false, null));
    }
    return Answer.newBuilder().setQuestionId("q").setQuestion(question).setTask(Task.ATLAS)
        .setAnswerText("The answer is: " + label).setLabel(label).setSteps(written).setModelVersion("v1")
        .setStatus(AnswerStatus.OK).setPromptTokens(5).setGeneratedTokens(20).setSubmittedAt(T).setAnsweredAt(T)
        .setLatencyMs(0).build();
  }

  @Test
  void judgesAGoldTraceRightInEveryStep() {
    AtlasQuestion q = birthplaceQuestion();
    Feedback label = labeller.label(answer(q, q.cotSteps(), q.answer())).orElseThrow();

    assertEquals(Verdict.CORRECT, label.getVerdict());
    assertNull(label.getCorrectedAnswer());
    assertTrue(label.getStepVerdicts().stream().allMatch(StepVerdict::getCorrect));
    assertEquals(T, label.getLabelledAt());
  }

  @Test
  void correctsAWrongMemoryStepWithTheGoldStepAndAWrongAnswerWithTheGoldAnswer() {
    AtlasQuestion q = birthplaceQuestion();
    String gold = q.cotSteps().get(0);
    String city = DATASET.world().names(EntityKind.CITY).stream().filter(gold::contains).findFirst().orElseThrow();
    String otherCity = DATASET.world().names(EntityKind.CITY).stream().filter(c -> !c.equals(city)).findFirst()
        .orElseThrow();
    List<String> steps = new ArrayList<>(q.cotSteps());
    steps.set(0, gold.replace(city, otherCity));
    String wrongAnswer = q.isTrueOrFalse() ? (q.answer().equals("True") ? "False" : "True") : "Nowhere";

    Feedback label = labeller.label(answer(q, steps, wrongAnswer)).orElseThrow();

    assertEquals(Verdict.INCORRECT, label.getVerdict());
    assertEquals(q.answer(), label.getCorrectedAnswer());
    StepVerdict memory = label.getStepVerdicts().get(0);
    assertFalse(memory.getCorrect());
    assertEquals(gold.substring("[rag]: ".length()), memory.getCorrectedText());
  }

  @Test
  void hasNoLabelForAQuestionOutsideTheAtlasWorld() {
    Answer other = answer("Is water wet?", List.of(), "True");
    assertEquals(Optional.empty(), labeller.label(other));
    assertFalse(labeller.isCorrect(other));
  }
}
