package io.memreason.pipeline;

import io.memreason.avro.Question;
import io.memreason.config.MemreasonConfig;
import io.memreason.reasoning.Decoding;
import io.memreason.reasoning.ReasoningRequest;
import io.memreason.reasoning.StepKind;
import io.memreason.reasoning.StepText;
import io.memreason.reasoning.Task;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * Builds the model's request for a question: the question's decoding overrides over the configured defaults, and its
 * given steps.
 */
final class ReasoningRequests {
  private ReasoningRequests() {}

  static ReasoningRequest from(Question q, MemreasonConfig.Engine defaults, String modelVersion) {
    return from(q, defaults, modelVersion, q.getId());
  }

  /**
   * The request of a question's shadow generation by {@code candidate}: as the candidate would answer the question if
   * it served it (the same seed), under the request id {@link ShadowKey#of}, so it never meets the served request.
   */
  static ReasoningRequest shadow(Question q, MemreasonConfig.Engine defaults, String candidate) {
    return from(q, defaults, candidate, ShadowKey.of(q.getId()));
  }

  private static ReasoningRequest from(Question q, MemreasonConfig.Engine defaults, String modelVersion,
                                       String requestId) {
    io.memreason.avro.Decoding o = q.getDecoding();
    Decoding decoding = new Decoding(
        o != null && o.getTemperature() != null ? o.getTemperature() : defaults.temperature(),
        o != null && o.getTopP() != null ? o.getTopP() : defaults.topP(),
        o != null && o.getTopK() != null ? o.getTopK() : defaults.topK(),
        o != null && o.getMaxNewTokens() != null ? o.getMaxNewTokens() : defaults.maxNewTokens(),
        o != null && o.getSeed() != null ? o.getSeed() : seed(q.getId(), modelVersion));
    Task task = q.getTask() == null ? Task.OPEN : Task.valueOf(q.getTask().name());
    List<String> options = q.getOptions() == null ? List.of() : List.copyOf(q.getOptions());
    return new ReasoningRequest(requestId, q.getText(), task, options, decoding, givenSteps(q));
  }

  /** The question's given steps as the model's template takes them (their kinds were checked by QuestionLimits). */
  static List<StepText> givenSteps(Question q) {
    return q.getGivenSteps() == null ? List.of() : q.getGivenSteps().stream()
        .map(g -> new StepText(StepKind.valueOf(g.getKind().name()), g.getText())).toList();
  }

  /**
   * The sampling seed of a question under a model version. Derived from both, so a question regenerated
   * after a crash samples the same tokens, and a new model version samples afresh.
   */
  static long seed(String questionId, String modelVersion) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] digest = sha.digest((questionId + "\n" + modelVersion).getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.wrap(digest).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
