package io.memreason.pipeline;

import io.memreason.avro.Answer;
import io.memreason.avro.AnswerStatus;
import io.memreason.avro.MemoryVerdict;
import io.memreason.avro.Question;
import io.memreason.avro.ReasoningStep;
import io.memreason.avro.StepVerification;
import io.memreason.reasoning.Step;
import io.memreason.reasoning.StepKind;
import io.memreason.reasoning.Trace;
import io.memreason.reasoning.Verification;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** The records the inference processor publishes, built from the model's steps and traces. */
final class TraceRecords {
  private TraceRecords() {}

  /** A memory, reason or assignment step (answer steps travel in the {@link Answer}). */
  static ReasoningStep step(String questionId, Step step, String modelVersion) {
    return ReasoningStep.newBuilder()
        .setQuestionId(questionId)
        .setIndex(step.index())
        .setKind(io.memreason.avro.StepKind.valueOf(step.kind().name()))
        .setText(step.text())
        .setModelVersion(modelVersion)
        .setTokenCount(step.tokenCount())
        .setStartedAt(step.startedAt())
        .setCompletedAt(step.completedAt())
        .setGiven(step.given())
        .setVerification(step.verification().map(TraceRecords::verification).orElse(null))
        .build();
  }

  private static StepVerification verification(Verification v) {
    return new StepVerification(MemoryVerdict.valueOf(v.verdict().name()), v.correctFact().orElse(null),
        v.verifier(), null);
  }

  /**
   * The answer with the whole trace.
   *
   * @param automaticRevisionId the revision the pipeline asked of the question, named by the step that led to it
   */
  static Answer answer(Question q, Trace trace, String automaticRevisionId) {
    List<ReasoningStep> steps = trace.steps().stream()
        .filter(s -> s.kind() != StepKind.ANSWER)
        .map(s -> step(q.getId(), s, trace.modelVersion()))
        .toList();
    for (ReasoningStep step : steps) {
      if (automaticRevisionId != null && step.getVerification() != null
          && automaticRevisionId.equals(AutomaticRevisions.id(q.getId(), step.getIndex()))) {
        step.getVerification().setRevisionId(automaticRevisionId);
      }
    }
    return base(q, trace.modelVersion(), trace.finishedAt())
        .setAnswerText(trace.answer().map(Step::text).orElse(""))
        .setLabel(trace.label().orElse(null))
        .setSteps(steps)
        .setStatus(AnswerStatus.valueOf(trace.status().name()))
        .setError(trace.error().map(ReasonText::of).orElse(null))
        .setPromptTokens(trace.promptTokens())
        .setGeneratedTokens(trace.generatedTokens())
        .build();
  }

  /** A candidate's shadow answer: as {@code answer} (its steps inside), marked shadow; it goes to shadow-answers only. */
  static Answer shadow(Answer answer) {
    answer.setShadow(true);
    return answer;
  }

  /** The answer to a question the model could not answer, so that no question goes unanswered. */
  static Answer failed(Question q, String modelVersion, String error, Instant at) {
    return base(q, modelVersion, at)
        .setAnswerText("")
        .setSteps(List.of())
        .setStatus(AnswerStatus.FAILED)
        .setError(ReasonText.of(error))
        .setPromptTokens(0)
        .setGeneratedTokens(0)
        .build();
  }

  private static Answer.Builder base(Question q, String modelVersion, Instant answeredAt) {
    return Answer.newBuilder()
        .setRevises(q.getRevises())
        .setQuestionId(q.getId())
        .setQuestion(q.getText())
        .setTask(q.getTask() == null ? io.memreason.avro.Task.OPEN : q.getTask())
        .setOptions(q.getOptions())
        .setModelVersion(modelVersion)
        .setSubmittedAt(q.getSubmittedAt())
        .setAnsweredAt(answeredAt)
        .setLatencyMs(millisBetween(q.getSubmittedAt(), answeredAt));
  }

  /** Saturates instead of overflowing: a question accepted by an older version may have any submission time. */
  private static long millisBetween(Instant from, Instant to) {
    try {
      return Duration.between(from, to).toMillis();
    } catch (ArithmeticException overflow) {
      return from.isBefore(to) ? Long.MAX_VALUE : Long.MIN_VALUE;
    }
  }
}
