package io.memreason.web;

import io.memreason.avro.Decoding;
import io.memreason.avro.Question;
import io.memreason.avro.Task;
import io.memreason.config.MemreasonConfig;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A question asked through {@code POST /api/questions}: {@code {text, task?, options?, decoding?}}, checked against
 * what the pipeline accepts before it is produced, so a mistake is a 400 with a reason instead of a dead letter.
 */
record QuestionRequest(String text, Task task, List<String> options, Decoding decoding) {
  static final int MAX_OPTION_CHARS = 500;
  private static final Set<String> FIELDS = Set.of("text", "task", "options", "decoding");
  private static final Set<String> DECODING_FIELDS = Set.of("temperature", "topP", "topK", "maxNewTokens", "seed");

  static QuestionRequest parse(String body, MemreasonConfig config) {
    JsonRequest json = JsonRequest.parse(body, FIELDS);
    String text = json.requiredString("text", config.pipeline().maxQuestionChars());
    Task task = json.string("task", 40).map(QuestionRequest::task).orElse(Task.OPEN);
    List<String> options = json.strings("options", 26, MAX_OPTION_CHARS).orElse(List.of());
    try {
      // The model's own rule for writing options into the prompt says how many this task takes.
      io.memreason.reasoning.Task.valueOf(task.name()).withOptions(text, options);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("options: " + e.getMessage());
    }
    Decoding decoding = json.object("decoding", DECODING_FIELDS)
        .map(d -> decoding(d, config.engine().maxTotalTokens())).orElse(null);
    return new QuestionRequest(text, task, options, decoding);
  }

  private static Task task(String name) {
    return Arrays.stream(Task.values()).filter(t -> t.name().equalsIgnoreCase(name)).findFirst()
        .orElseThrow(() -> ApiException.badRequest("task must be one of " + Arrays.toString(Task.values())
            + ", not '" + name + "'"));
  }

  private static Decoding decoding(JsonRequest d, int maxTotalTokens) {
    Optional<Double> topP = d.decimal("topP", 0, 1);
    if (topP.isPresent() && topP.get() == 0) {
      throw ApiException.badRequest("decoding.topP must be above 0 (1 keeps every token)");
    }
    return Decoding.newBuilder()
        .setTemperature(d.decimal("temperature", 0, 10).map(Double::floatValue).orElse(null))
        .setTopP(topP.map(Double::floatValue).orElse(null))
        .setTopK(d.integer("topK", 0, 1_000_000).map(Long::intValue).orElse(null))
        .setMaxNewTokens(d.integer("maxNewTokens", 1, maxTotalTokens).map(Long::intValue).orElse(null))
        .setSeed(d.integer("seed", Long.MIN_VALUE, Long.MAX_VALUE).orElse(null))
        .build();
  }

  Question toQuestion(String id, Instant submittedAt) {
    return Question.newBuilder().setId(id).setText(text).setTask(task).setOptions(options.isEmpty() ? null : options)
        .setDecoding(decoding).setSubmittedAt(submittedAt).build();
  }
}
