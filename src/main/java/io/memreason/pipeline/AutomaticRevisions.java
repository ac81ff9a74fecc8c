package io.memreason.pipeline;

import io.memreason.avro.GivenStep;
import io.memreason.avro.PendingQuestion;
import io.memreason.avro.Question;
import io.memreason.avro.RevisedStep;
import io.memreason.config.MemreasonConfig;
import io.memreason.reasoning.Step;
import io.memreason.reasoning.Verification;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The questions the pipeline asks in place of a trace whose memory step the verifier contradicted
 * ({@code pipeline.verify=revise}): the same question, its given steps the trace's steps before the contradicted one
 * and then the correct fact as a memory step, {@code revises} naming the step and saying why. One per question, at its
 * first contradicted memory step; a revision is revised again only while it is fewer than
 * {@code pipeline.verify-max-depth} revisions from a question that revises nothing; and never into a question the
 * pipeline would refuse.
 */
final class AutomaticRevisions {
  private final MemreasonConfig.Pipeline settings;
  private final QuestionLimits limits;

  AutomaticRevisions(MemreasonConfig.Pipeline settings, QuestionLimits limits) {
    this.settings = settings;
    this.limits = limits;
  }

  /** The id of the automatic revision of a question's step: the same every time, so a regenerated trace agrees. */
  static String id(String questionId, int stepIndex) {
    return UUID.nameUUIDFromBytes(("memreason revision\n" + questionId + "\n" + stepIndex)
        .getBytes(StandardCharsets.UTF_8)).toString();
  }

  /**
   * The revision to ask for a step, if one is to be asked.
   *
   * @param earlier the trace's steps before {@code step}, by index (given ones included)
   * @param modelVersion the version that wrote the trace
   */
  Optional<Question> of(PendingQuestion entry, Step step, Map<Integer, Step> earlier, String modelVersion,
                        Instant now) {
    Question q = entry.getQuestion();
    Optional<Verification> verdict = step.verification();
    int depth = q.getRevises() == null ? 0 : q.getRevises().getDepth();
    if (settings.verify() != MemreasonConfig.Pipeline.Verify.REVISE || step.given() || verdict.isEmpty()
        || !verdict.get().contradicted() || entry.getAutomaticRevisionId() != null
        || depth >= settings.verifyMaxDepth()) {
      return Optional.empty();
    }
    List<GivenStep> given = new ArrayList<>();
    for (int i = 0; i < step.index(); i++) {
      Step before = earlier.get(i);
      if (before == null) {
        return Optional.empty(); // cannot happen: a trace is written from its first step on
      }
      given.add(new GivenStep(io.memreason.avro.StepKind.valueOf(before.kind().name()), before.text()));
    }
    String fact = verdict.get().correctFact().orElseThrow();
    given.add(new GivenStep(io.memreason.avro.StepKind.MEMORY, fact));
    String reason = ReasonText.of("memory step " + step.index() + " " + ReasonText.quote(step.text())
        + " is contradicted by " + verdict.get().verifier() + ": " + fact);
    Question revision = Question.newBuilder(q)
        .setId(id(q.getId(), step.index()))
        .setGivenSteps(given)
        .setRevises(new RevisedStep(q.getId(), step.index(), reason, modelVersion, depth + 1))
        .setSubmittedAt(now)
        .build();
    return limits.problem(revision, now).isEmpty() ? Optional.of(revision) : Optional.empty();
  }
}
