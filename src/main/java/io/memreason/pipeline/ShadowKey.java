package io.memreason.pipeline;

/**
 * The key of a question's shadow generation where it must not meet the served one: the model's request id of the
 * shadow request, and the key of a shadow answer's label among the training examples. It is the question id, U+001F
 * and "shadow"; question ids hold no control character, so it is never the id of another question.
 */
public final class ShadowKey {
  private static final String SUFFIX = "\u001Fshadow";

  private ShadowKey() {}

  public static String of(String questionId) {
    return questionId + SUFFIX;
  }

  /** Whether {@code key} is a shadow key rather than a question id. */
  public static boolean is(String key) {
    return key.endsWith(SUFFIX);
  }
}
