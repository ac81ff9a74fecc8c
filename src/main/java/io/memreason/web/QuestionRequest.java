package io.memreason.web;

import io.memreason.avro.Decoding;
import io.memreason.avro.GivenStep;
import io.memreason.avro.Question;
import io.memreason.avro.StepKind;
import io.memreason.avro.Task;
import io.memreason.config.MemreasonConfig;
import io.memreason.pipeline.QuestionLimits;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * A question asked through {@code POST /api/questions}: {@code {text, task?, options?, decoding?, givenSteps?: [{kind,
 * text}]}}, checked against
 * what the pipeline accepts before it is produced, so a mistake is a 400 with a reason instead of a dead letter. The
 * JSON is checked for its types here; what the values may be is checked by the pipeline's own
 * {@link QuestionLimits}, so that both doors take and refuse the same questions with the same reasons.
 */
record QuestionRequest(String text, Task task, List<String> options, Decoding decoding, List<GivenStep> givenSteps) {
  private static final Set<String> FIELDS = Set.of("text", "task", "options", "decoding", "givenSteps");
  private static final Set<String> STEP_FIELDS = Set.of("kind", "text");
  private static final Set<String> DECODING_FIELDS = Set.of("temperature", "topP", "topK", "maxNewTokens", "seed");

  static QuestionRequest parse(String body, MemreasonConfig config) {
    JsonRequest json = JsonRequest.parse(body, FIELDS);
    // The body's 64 KiB bound these lengths; QuestionLimits has the real ones.
    String text = json.requiredString("text", Integer.MAX_VALUE);
    Task task = json.string("task", 40).map(QuestionRequest::task).orElse(Task.OPEN);
    List<String> options = json.strings("options", 26, Integer.MAX_VALUE).orElse(List.of());
    Decoding decoding = json.object("decoding", DECODING_FIELDS).map(QuestionRequest::decoding).orElse(null);
    List<GivenStep> given = json.objects("givenSteps", QuestionLimits.MAX_GIVEN_STEPS, STEP_FIELDS).orElse(List.of())
        .stream().map(QuestionRequest::givenStep).toList();
    QuestionRequest request = new QuestionRequest(text, task, options, decoding, given);
    // Checked with a placeholder id and time; the real ones are chosen by the server and always valid.
    QuestionLimits.of(config).problem(request.toQuestion("id", Instant.EPOCH), Instant.EPOCH).ifPresent(problem -> {
      throw ApiException.badRequest(problem);
    });
    return request;
  }

  private static Task task(String name) {
    return Arrays.stream(Task.values()).filter(t -> t.name().equalsIgnoreCase(name)).findFirst()
        .orElseThrow(() -> ApiException.badRequest("task must be one of " + Arrays.toString(Task.values())
            + ", not '" + name + "'"));
  }

  /** A given step: its kind (MEMORY, REASON or ASSIGNMENT, in any case) and text. */
  static GivenStep givenStep(JsonRequest step) {
    String kind = step.requiredString("kind", 20);
    StepKind parsed = Arrays.stream(StepKind.values()).filter(k -> k != StepKind.UNKNOWN && k.name().equalsIgnoreCase(kind))
        .findFirst().orElseThrow(() -> ApiException.badRequest("a given step's kind is MEMORY, REASON or ASSIGNMENT,"
            + " not '" + kind + "'"));
    return new GivenStep(parsed, step.requiredString("text", Integer.MAX_VALUE));
  }

  /**
   * The decoding overrides as the record holds them (floats and ints; a number beyond a float's range is infinite,
   * as it would be on the topic); what they may be is QuestionLimits'.
   */
  private static Decoding decoding(JsonRequest d) {
    return Decoding.newBuilder()
        .setTemperature(d.decimal("temperature", -Double.MAX_VALUE, Double.MAX_VALUE).map(Double::floatValue).orElse(null))
        .setTopP(d.decimal("topP", -Double.MAX_VALUE, Double.MAX_VALUE).map(Double::floatValue).orElse(null))
        .setTopK(d.integer("topK", Integer.MIN_VALUE, Integer.MAX_VALUE).map(Long::intValue).orElse(null))
        .setMaxNewTokens(d.integer("maxNewTokens", Integer.MIN_VALUE, Integer.MAX_VALUE).map(Long::intValue).orElse(null))
        .setSeed(d.integer("seed", Long.MIN_VALUE, Long.MAX_VALUE).orElse(null))
        .build();
  }

  Question toQuestion(String id, Instant submittedAt) {
    return Question.newBuilder().setId(id).setText(text).setTask(task).setOptions(options.isEmpty() ? null : options)
        .setDecoding(decoding).setGivenSteps(givenSteps.isEmpty() ? null : givenSteps).setSubmittedAt(submittedAt)
        .build();
  }
}
