package io.memreason.web;

import static io.memreason.web.MonitorFixture.answer;
import static io.memreason.web.MonitorFixture.question;
import static io.memreason.web.MonitorFixture.step;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.avro.Feedback;
import io.memreason.avro.ReasoningStep;
import io.memreason.avro.StepKind;
import io.memreason.avro.StepVerdict;
import io.memreason.avro.Verdict;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RecentTracesTest {
  private final RecentTraces traces = new RecentTraces(3);

  @Test
  void mergesAQuestionsRecordsInWhateverOrderTheyArrive() {
    ReasoningStep memory = step("q1", 0, StepKind.MEMORY, "Paris is in France.");
    ReasoningStep reason = step("q1", 1, StepKind.REASON, "So it is French.");
    traces.update("q1", t -> t.withStep(reason));
    TraceView beforeQuestion = traces.update("q1", t -> t.withStep(memory));
    assertNull(beforeQuestion.question());
    assertEquals("v-test", beforeQuestion.modelVersion());
    assertEquals(List.of(0, 1), beforeQuestion.steps().stream().map(TraceView.Step::index).toList());

    TraceView withQuestion = traces.update("q1", t -> t.withQuestion(question("q1", "Is Paris French?")));
    assertEquals("Is Paris French?", withQuestion.question());
    assertEquals("STRATEGYQA", withQuestion.task());
    assertEquals(TraceView.PENDING, withQuestion.status());

    TraceView answered = traces.update("q1", t -> t.withAnswer(answer("q1", "Is Paris French?", List.of(memory, reason), 900)));
    assertEquals("OK", answered.status());
    assertEquals("The answer is: True", answered.answer().text());
    assertEquals(900, answered.answer().latencyMs());
    assertEquals(2, answered.steps().size(), "steps seen live and in the answer are the same steps");
  }

  @Test
  void theAnswerCompletesATraceWhoseQuestionAndStepsWereMissed() {
    ReasoningStep memory = step("q1", 0, StepKind.MEMORY, "m");
    TraceView view = traces.update("q1", t -> t.withAnswer(answer("q1", "Asked before we followed?", List.of(memory), 10)));
    assertEquals("Asked before we followed?", view.question());
    assertEquals(MonitorFixture.T0.toEpochMilli(), view.submittedAt());
    assertEquals("MEMORY", view.steps().get(0).kind());
  }

  @Test
  void keepsTheLatestLabel() {
    traces.update("q1", t -> t.withQuestion(question("q1", "?")));
    Feedback first = Feedback.newBuilder().setQuestionId("q1").setVerdict(Verdict.CORRECT).setLabeller("a").setStepVerdicts(List.of())
        .setLabelledAt(MonitorFixture.T0).build();
    Feedback second = Feedback.newBuilder().setQuestionId("q1").setVerdict(Verdict.INCORRECT).setLabeller("b")
        .setStepVerdicts(List.of(new StepVerdict(0, false, null))).setLabelledAt(MonitorFixture.T0).build();
    traces.update("q1", t -> t.withLabel(first));
    TraceView labelled = traces.update("q1", t -> t.withLabel(second));
    assertEquals("INCORRECT", labelled.label().verdict());
    assertEquals(List.of(new TraceView.StepVerdict(0, false, null)), labelled.label().stepVerdicts());
  }

  @Test
  void dropsTheOldestQuestionBeyondItsCapacity() {
    for (String id : List.of("a", "b", "c", "d")) {
      traces.update(id, t -> t.withQuestion(question(id, id)));
    }
    traces.update("b", t -> t.withStep(step("b", 0, StepKind.MEMORY, "x")));
    assertEquals(List.of("b", "c", "d"), traces.all().stream().map(TraceView::id).toList(),
        "oldest first, in the order first seen");
    assertTrue(traces.get("a").isEmpty());
  }

  @Test
  void aWaiterGetsTheAnswerWhenItArrives() throws Exception {
    traces.update("q1", t -> t.withQuestion(question("q1", "?")));
    CompletableFuture<Optional<TraceView>> waiting = traces.answered("q1", Duration.ofMinutes(1));
    assertFalse(waiting.isDone());
    traces.update("q1", t -> t.withAnswer(answer("q1", "?", List.of(), 5)));
    assertEquals("OK", waiting.get(10, TimeUnit.SECONDS).orElseThrow().status());
    assertTrue(traces.answered("q1", Duration.ZERO).get().isPresent(), "an answered question is answered at once");
  }

  @Test
  void aWaiterGetsNothingWhenNoAnswerArrivesInTime() throws Exception {
    assertEquals(Optional.empty(), traces.answered("never", Duration.ofMillis(20)).get(10, TimeUnit.SECONDS));
  }
}
