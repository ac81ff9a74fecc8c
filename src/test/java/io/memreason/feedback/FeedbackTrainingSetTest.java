package io.memreason.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.memreason.avro.StepKind;
import io.memreason.avro.Task;
import io.memreason.avro.TrainingExample;
import io.memreason.avro.TrainingStep;
import io.memreason.avro.Verdict;
import io.memreason.reasoning.StepText;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class FeedbackTrainingSetTest {

  private static TrainingStep step(StepKind kind, String text, Boolean correct, boolean corrected) {
    return TrainingStep.newBuilder().setKind(kind).setText(text).setCorrect(correct).setCorrected(corrected).build();
  }

  private static TrainingExample example(String id, Verdict verdict, String answer, List<String> options,
                                         TrainingStep... steps) {
    return TrainingExample.newBuilder().setQuestionId(id).setQuestion("Which is cold?").setOptions(options)
        .setTask(Task.COMMONSENSEQA).setSteps(List.of(steps)).setAnswer(answer).setVerdict(verdict)
        .setCorrected(false).setModelVersion("v1").setLabeller("t").setLabelledAt(Instant.EPOCH).build();
  }

  @Test
  void learnsCorrectAndCorrectedTracesButNotWrongOnesWithoutACorrection() {
    List<LabelledTrace> traces = FeedbackTrainingSet.of(List.of(
        example("right", Verdict.CORRECT, "A", null, step(StepKind.MEMORY, "Ice is cold.", true, false)),
        example("corrected", Verdict.INCORRECT, "A", null, step(StepKind.MEMORY, "Ice is cold.", false, true)),
        example("wrong", Verdict.INCORRECT, null, null, step(StepKind.MEMORY, "Fire is cold.", false, false))));

    assertEquals(List.of("corrected", "right"), traces.stream().map(LabelledTrace::questionId).toList(),
        "in question-id order");
  }

  @Test
  void dropsStepsJudgedWrongAndLeftUncorrected() {
    LabelledTrace trace = FeedbackTrainingSet.of(List.of(example("q", Verdict.INCORRECT, "A", null,
        step(StepKind.MEMORY, "Fire is cold.", false, false),
        step(StepKind.MEMORY, "Ice is cold.", false, true),
        step(StepKind.REASON, "So ice.", null, false),
        step(StepKind.UNKNOWN, "written by a newer kind", null, false)))).get(0);

    assertEquals(List.of(new StepText(io.memreason.reasoning.StepKind.MEMORY, "Ice is cold."),
        new StepText(io.memreason.reasoning.StepKind.REASON, "So ice.")), trace.steps());
  }

  @Test
  void writesTheOptionsIntoTheQuestionAsTheModelWasAskedIt() {
    LabelledTrace trace = FeedbackTrainingSet.of(List.of(example("q", Verdict.CORRECT, "A", List.of("ice", "fire"))))
        .get(0);
    assertEquals("Which is cold? Options: A.ice B.fire ", trace.question());
  }
}
