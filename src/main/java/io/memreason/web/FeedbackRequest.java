package io.memreason.web;

import io.javalin.http.HttpStatus;
import io.memreason.avro.Feedback;
import io.memreason.avro.StepVerdict;
import io.memreason.avro.Verdict;
import io.memreason.feedback.LabelLimits;
import io.memreason.pipeline.QuestionLimits;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A label given through {@code POST /api/feedback} (or the page): {@code {questionId, verdict, correctedAnswer?,
 * stepVerdicts?: [{index, correct, correctedText?}], labeller?, shadow?}}. It becomes a {@link Feedback} record only for
 * an answered question the page knows, with step indexes from that question's trace; with {@code shadow: true} it
 * labels the question's shadow answer instead, which the page must have. {@code labeller} is null when the body names
 * none.
 */
record FeedbackRequest(String questionId, Verdict verdict, String correctedAnswer, List<StepVerdict> stepVerdicts,
                       String labeller, boolean shadow) {
  static final int MAX_ID_CHARS = QuestionLimits.MAX_ID_CHARS;
  static final String DEFAULT_LABELLER = "web";
  private static final Set<String> FIELDS = Set.of("questionId", "verdict", "correctedAnswer", "stepVerdicts",
      "labeller", "shadow");
  private static final Set<String> STEP_FIELDS = Set.of("index", "correct", "correctedText");

  static FeedbackRequest parse(String body) {
    JsonRequest json = JsonRequest.parse(body, FIELDS);
    String questionId = json.requiredString("questionId", MAX_ID_CHARS);
    String verdictName = json.requiredString("verdict", 20);
    if (!verdictName.equals(Verdict.CORRECT.name()) && !verdictName.equals(Verdict.INCORRECT.name())) {
      throw ApiException.badRequest("verdict must be CORRECT or INCORRECT, not '" + verdictName + "'");
    }
    Verdict verdict = Verdict.valueOf(verdictName);
    String corrected = json.string("correctedAnswer", LabelLimits.MAX_TEXT_CHARS).orElse(null);
    if (corrected != null && verdict == Verdict.CORRECT) {
      throw ApiException.badRequest("correctedAnswer goes with verdict INCORRECT: a correct answer needs no correction");
    }
    List<StepVerdict> steps = json.objects("stepVerdicts", LabelLimits.MAX_STEP_VERDICTS, STEP_FIELDS).orElse(List.of()).stream()
        .map(FeedbackRequest::stepVerdict).toList();
    Set<Integer> seen = new HashSet<>();
    for (StepVerdict s : steps) {
      if (!seen.add(s.getIndex())) {
        throw ApiException.badRequest("stepVerdicts names step " + s.getIndex() + " twice");
      }
    }
    String labeller = json.string("labeller", LabelLimits.MAX_LABELLER_CHARS).orElse(null);
    return new FeedbackRequest(questionId, verdict, corrected, steps, labeller, json.bool("shadow").orElse(false));
  }

  private static StepVerdict stepVerdict(JsonRequest s) {
    int index = s.integer("index", 0, Integer.MAX_VALUE).map(Long::intValue)
        .orElseThrow(() -> ApiException.badRequest("every entry of stepVerdicts needs an index"));
    boolean correct = s.bool("correct")
        .orElseThrow(() -> ApiException.badRequest("stepVerdicts entry " + index + " needs correct: true or false"));
    return new StepVerdict(index, correct, s.string("correctedText", LabelLimits.MAX_TEXT_CHARS).orElse(null));
  }

  /**
   * The label as given by {@code caller}. A signed-in caller labels under its token's name only, so that nobody can
   * put words in someone else's mouth (or into the retraining data under another name); without authentication the
   * body's labeller stands.
   */
  FeedbackRequest labelledBy(Caller caller) {
    if (!caller.authenticated()) {
      return this;
    }
    if (labeller != null && !labeller.equals(caller.name())) {
      throw ApiException.badRequest("labeller is '" + labeller + "', but this token labels as '" + caller.name()
          + "': leave labeller out (the token's name is used) or sign in as " + labeller);
    }
    return new FeedbackRequest(questionId, verdict, correctedAnswer, stepVerdicts, caller.name(), shadow);
  }

  /** The record to produce, once the question is known to be answered and every step index is in its trace. */
  Feedback toFeedback(TraceView trace, Instant labelledAt) {
    if (shadow) {
      checkShadow(trace);
    } else if (!trace.answered()) {
      throw new ApiException(HttpStatus.CONFLICT, "question " + questionId + " has no answer yet: label it once"
          + " it is answered");
    }
    for (StepVerdict s : stepVerdicts) {
      if (!(shadow ? trace.shadow().hasStep(s.getIndex()) : trace.hasStep(s.getIndex()))) {
        List<TraceView.Step> steps = shadow ? trace.shadow().steps() : trace.steps();
        throw ApiException.badRequest((shadow ? "the shadow answer of question " : "question ") + questionId
            + " has no step " + s.getIndex() + " (its steps: " + steps.stream().map(TraceView.Step::index).toList() + ")");
      }
    }
    return Feedback.newBuilder().setQuestionId(questionId).setVerdict(verdict).setCorrectedAnswer(correctedAnswer)
        .setStepVerdicts(stepVerdicts).setLabeller(labeller != null ? labeller : DEFAULT_LABELLER).setLabelledAt(labelledAt)
        .setShadow(shadow).build();
  }

  private void checkShadow(TraceView trace) {
    if (trace.shadow() == null || trace.shadow().answer() == null) {
      throw new ApiException(HttpStatus.CONFLICT, "question " + questionId + " has no shadow answer here: only a"
          + " question a candidate answered in the shadow (serving.shadow) has one; label it once it has arrived");
    }
  }
}
