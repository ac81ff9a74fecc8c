package io.memreason.registry;

import java.util.Locale;

/**
 * Which questions a candidate also answers in the shadow ({@code serving.shadow}), decided by a hash of the question
 * id alone, like {@link CanaryRouting} but with another salt: the sample is independent of the canary's share, and the
 * same in every process and after every restart, so a shadow generation restored from the pending store goes to the
 * same version and none is started twice.
 *
 * @param share the share of the questions sampled, 0 to 1
 */
public record ShadowSampling(double share) {
  /** No shadow traffic. */
  public static final ShadowSampling NONE = new ShadowSampling(0);

  public ShadowSampling {
    if (!(share >= 0 && share <= 1)) {
      throw new IllegalArgumentException("serving.shadow is a share between 0 and 1, not " + share);
    }
  }

  /** Whether this question is in the shadow sample. */
  public boolean sampled(String questionId) {
    return share > 0 && CanaryRouting.bucket("shadow", questionId) < share;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%.0f %% of the serving version's questions in the shadow", share * 100);
  }
}
