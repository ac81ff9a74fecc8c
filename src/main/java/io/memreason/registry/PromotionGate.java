package io.memreason.registry;

import java.util.Locale;

/**
 * Decides whether a trained candidate replaces the serving version: only if its accuracy on the fixed evaluation set
 * is at least the serving version's minus a tolerance ({@code registry.promotion-tolerance}), both measured in the
 * same run. The tolerance lets a candidate that learned from feedback through without punishing evaluation noise,
 * while a real regression is rejected.
 */
public record PromotionGate(double tolerance) {

  /** The gate's verdict and its reason in one readable line. */
  public record Decision(boolean promote, String reason) {}

  public PromotionGate {
    if (!(tolerance >= 0)) {
      throw new IllegalArgumentException("the promotion tolerance must be 0 or more, not " + tolerance);
    }
  }

  public Decision decide(double candidateAccuracy, String servingVersion, double servingAccuracy) {
    double bar = servingAccuracy - tolerance;
    boolean promote = candidateAccuracy >= bar;
    return new Decision(promote, String.format(Locale.ROOT, "eval accuracy %.4f %s %s's %.4f - tolerance %.4f",
        candidateAccuracy, promote ? ">=" : "<", servingVersion, servingAccuracy, tolerance));
  }
}
