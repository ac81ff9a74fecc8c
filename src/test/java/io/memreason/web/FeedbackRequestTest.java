package io.memreason.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.avro.Feedback;
import io.memreason.avro.StepKind;
import io.memreason.avro.StepVerdict;
import io.memreason.avro.Verdict;
import io.memreason.feedback.LabelLimits;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FeedbackRequestTest {
  private final TraceView answered = TraceView.unseen("q1")
      .withStep(MonitorFixture.step("q1", 0, StepKind.MEMORY, "m"))
      .withStep(MonitorFixture.step("q1", 1, StepKind.REASON, "r"))
      .withAnswer(MonitorFixture.answer("q1", "?", List.of(), 10));

  @Test
  void aLabelWithWrongStepsAndACorrectionBecomesTheFeedbackRecord() {
    Feedback f = FeedbackRequest.parse("""
        {"questionId": "q1", "verdict": "INCORRECT", "correctedAnswer": "False",
         "stepVerdicts": [{"index": 1, "correct": false, "correctedText": "So it is not."}, {"index": 0, "correct": true}],
         "labeller": "ana"}""").toFeedback(answered, Instant.EPOCH);
    assertEquals("q1", f.getQuestionId());
    assertEquals(Verdict.INCORRECT, f.getVerdict());
    assertEquals("False", f.getCorrectedAnswer());
    assertEquals(List.of(new StepVerdict(1, false, "So it is not."), new StepVerdict(0, true, null)), f.getStepVerdicts());
    assertEquals("ana", f.getLabeller());
  }

  @Test
  void aBareVerdictIsEnough() {
    Feedback f = FeedbackRequest.parse("{\"questionId\": \"q1\", \"verdict\": \"CORRECT\"}").toFeedback(answered, Instant.EPOCH);
    assertEquals(Verdict.CORRECT, f.getVerdict());
    assertEquals(List.of(), f.getStepVerdicts());
    assertNull(f.getCorrectedAnswer());
    assertEquals(FeedbackRequest.DEFAULT_LABELLER, f.getLabeller());
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(delimiter = '|', value = {
      "{\"verdict\": \"CORRECT\"}                                      | questionId is required",
      "{\"questionId\": \"q1\"}                                        | verdict is required",
      "{\"questionId\": \"q1\", \"verdict\": \"MAYBE\"}                | verdict must be CORRECT or INCORRECT, not 'MAYBE'",
      "{\"questionId\": \"q1\", \"verdict\": \"UNKNOWN\"}              | verdict must be CORRECT or INCORRECT, not 'UNKNOWN'",
      "{\"questionId\": \"q1\", \"verdict\": \"CORRECT\", \"correctedAnswer\": \"x\"} | correctedAnswer goes with verdict INCORRECT",
      "{\"questionId\": \"q1\", \"verdict\": \"CORRECT\", \"stepVerdicts\": [{\"index\": -1, \"correct\": false}]} | stepVerdicts[0].index must be between 0 and",
      "{\"questionId\": \"q1\", \"verdict\": \"CORRECT\", \"stepVerdicts\": [{\"index\": 0}]} | stepVerdicts entry 0 needs correct: true or false",
      "{\"questionId\": \"q1\", \"verdict\": \"CORRECT\", \"stepVerdicts\": [{\"index\": 0, \"correct\": \"no\"}]} | stepVerdicts[0].correct must be true or false, not \"no\"",
      "{\"questionId\": \"q1\", \"verdict\": \"CORRECT\", \"stepVerdicts\": [{\"index\": 0, \"correct\": false}, {\"index\": 0, \"correct\": true}]} | stepVerdicts names step 0 twice",
      "{\"questionId\": \"q1\", \"verdict\": \"CORRECT\", \"wrongSteps\": [1]} | unknown field 'wrongSteps'",
  })
  void refusesMalformedLabels(String body, String message) {
    ApiException e = assertThrows(ApiException.class, () -> FeedbackRequest.parse(body));
    assertEquals(400, e.status().getCode());
    assertTrue(e.getMessage().startsWith(message), e.getMessage());
  }

  @Test
  void refusesOverlongFields() {
    String longId = "x".repeat(FeedbackRequest.MAX_ID_CHARS + 1);
    assertThrows(ApiException.class, () -> FeedbackRequest.parse("{\"questionId\": \"" + longId + "\", \"verdict\": \"CORRECT\"}"));
    String steps = "[" + "{\"index\": 0, \"correct\": true},".repeat(LabelLimits.MAX_STEP_VERDICTS) + "{\"index\": 1, \"correct\": true}]";
    ApiException e = assertThrows(ApiException.class,
        () -> FeedbackRequest.parse("{\"questionId\": \"q1\", \"verdict\": \"CORRECT\", \"stepVerdicts\": " + steps + "}"));
    assertEquals("stepVerdicts has 257 items, more than 256", e.getMessage());
  }

  @Test
  void refusesStepsTheTraceDoesNotHave() {
    FeedbackRequest r = FeedbackRequest.parse("{\"questionId\": \"q1\", \"verdict\": \"INCORRECT\", "
        + "\"stepVerdicts\": [{\"index\": 2, \"correct\": false}]}");
    ApiException e = assertThrows(ApiException.class, () -> r.toFeedback(answered, Instant.EPOCH));
    assertEquals("question q1 has no step 2 (its steps: [0, 1])", e.getMessage());
  }

  @Test
  void refusesToLabelAQuestionBeforeItIsAnswered() {
    FeedbackRequest r = FeedbackRequest.parse("{\"questionId\": \"q1\", \"verdict\": \"CORRECT\"}");
    ApiException e = assertThrows(ApiException.class, () -> r.toFeedback(TraceView.unseen("q1"), Instant.EPOCH));
    assertEquals(409, e.status().getCode());
  }
}
