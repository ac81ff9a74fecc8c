package io.memreason.web;

import io.javalin.http.HttpStatus;
import io.memreason.avro.GivenStep;
import io.memreason.avro.Question;
import io.memreason.avro.RevisedStep;
import io.memreason.avro.StepKind;
import io.memreason.avro.Task;
import io.memreason.config.MemreasonConfig;
import io.memreason.pipeline.QuestionLimits;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A revision asked through {@code POST /api/questions/{id}/revisions}: {@code {stepIndex, text}}, the corrected text of
 * one step of a question the page shows. It becomes a new question: the original's text, task, options and decoding,
 * its steps before {@code stepIndex} and the corrected step as given steps, {@code revises} naming the original, the
 * step and the version that wrote it; checked by the pipeline's {@link QuestionLimits} like any question.
 */
record RevisionRequest(int stepIndex, String text) {
  private static final Set<String> FIELDS = Set.of("stepIndex", "text");

  static RevisionRequest parse(String body) {
    JsonRequest json = JsonRequest.parse(body, FIELDS);
    int stepIndex = json.integer("stepIndex", 0, QuestionLimits.MAX_GIVEN_STEPS - 1).map(Long::intValue)
        .orElseThrow(() -> ApiException.badRequest("stepIndex is required: the index of the step to correct"));
    // The body's 64 KiB bound the text; QuestionLimits has the real bound.
    return new RevisionRequest(stepIndex, json.requiredString("text", Integer.MAX_VALUE));
  }

  /**
   * The revision of {@code original} as a question with the id {@code id}.
   *
   * @throws ApiException 409 while the original's question or the steps up to {@code stepIndex} have not arrived yet,
   *     400 when its trace has no such step or the revision breaks a rule of the pipeline's
   */
  Question toQuestion(TraceView original, String id, Instant submittedAt, MemreasonConfig config) {
    if (original.question() == null) {
      throw new ApiException(HttpStatus.CONFLICT, "question " + original.id() + " has not been seen yet: revise it"
          + " once its question or answer has arrived");
    }
    List<GivenStep> given = new ArrayList<>();
    for (int i = 0; i <= stepIndex; i++) {
      int index = i;
      TraceView.Step step = original.steps().stream().filter(s -> s.index() == index).findFirst().orElseThrow(() ->
          original.answered()
              ? ApiException.badRequest("question " + original.id() + " has no step " + index + " (its trace has "
                  + original.steps().size() + " steps)")
              : new ApiException(HttpStatus.CONFLICT, "step " + index + " of question " + original.id()
                  + " has not been written yet: revise it once it has"));
      given.add(new GivenStep(StepKind.valueOf(step.kind()), index == stepIndex ? text : step.text()));
    }
    int depth = original.revises() == null ? 1 : original.revises().depth() + 1;
    Question revision = Question.newBuilder().setId(id).setText(original.question())
        .setTask(Task.valueOf(original.task()))
        .setOptions(original.options().isEmpty() ? null : original.options())
        .setDecoding(original.decoding() == null ? null : original.decoding().toAvro())
        .setGivenSteps(given)
        .setRevises(new RevisedStep(original.id(), stepIndex, null, original.modelVersion(), depth))
        .setSubmittedAt(submittedAt)
        .build();
    QuestionLimits.of(config).problem(revision, submittedAt).ifPresent(problem -> {
      throw ApiException.badRequest(problem);
    });
    return revision;
  }
}
