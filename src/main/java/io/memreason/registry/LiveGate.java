package io.memreason.registry;

import java.util.Locale;
import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * The promotion gate's live rule: a canary is judged on its labelled live answers (those it served as a canary and
 * those it gave in the shadow) against the serving version's.
 * Nothing is decided before both have at least {@code minLabels} labelled answers; then the rule is a one-sided
 * two-proportion z-test with the pooled standard error, {@code z = (p_c - p_s) / sqrt(p(1-p)(1/n_c + 1/n_s))}:
 * the candidate is <em>below</em> the serving version when {@code z < -z_conf} (e.g. -1.645 at 95 %). Below: roll back.
 * Not below and its accuracy at least the serving version's: promote. Not below but lower (the difference may be
 * noise): wait for more labels, as a canary.
 *
 * @param minLabels labelled answers each version needs before the gate decides
 * @param confidence of the one-sided test, e.g. 0.95
 */
public record LiveGate(int minLabels, double confidence) {

  /** What the gate decides about a canary. */
  public enum Verdict { PROMOTE, ROLL_BACK, WAIT }

  /** A version's labelled live answers. */
  public record Labels(long labelled, long correct) {
    public double accuracy() {
      return labelled == 0 ? Double.NaN : (double) correct / labelled;
    }
  }

  /** The verdict and its reason with the figures, in one readable line. */
  public record Decision(Verdict verdict, String reason) {}

  public LiveGate {
    if (minLabels < 1 || !(confidence > 0.5 && confidence < 1)) {
      throw new IllegalArgumentException("the live gate needs at least 1 label and a confidence in (0.5, 1), not "
          + minLabels + " and " + confidence);
    }
  }

  public Decision decide(String candidate, Labels c, String serving, Labels s) {
    String figures = String.format(Locale.ROOT, "live accuracy %s %d/%d = %.3f, %s %d/%d = %.3f", candidate,
        c.correct(), c.labelled(), c.accuracy(), serving, s.correct(), s.labelled(), s.accuracy());
    if (c.labelled() < minLabels || s.labelled() < minLabels) {
      return new Decision(Verdict.WAIT, figures + String.format(Locale.ROOT,
          "; waiting for %d labelled answers of each (registry.live-min-labels)", minLabels));
    }
    double z = z(c, s);
    double critical = new NormalDistribution().inverseCumulativeProbability(confidence);
    String test = String.format(Locale.ROOT, "; one-sided z = %.2f against -%.3f at %.0f %%", z, critical,
        confidence * 100);
    if (z < -critical) {
      return new Decision(Verdict.ROLL_BACK, figures + test + ": below " + serving);
    }
    if (c.accuracy() >= s.accuracy()) {
      return new Decision(Verdict.PROMOTE, figures + test + ": not below " + serving);
    }
    return new Decision(Verdict.WAIT, figures + test + ": lower but not significantly, more labels needed");
  }

  /** The two-proportion z statistic with the pooled standard error (0 when both are all right or all wrong). */
  static double z(Labels c, Labels s) {
    double pooled = (double) (c.correct() + s.correct()) / (c.labelled() + s.labelled());
    double se = Math.sqrt(pooled * (1 - pooled) * (1.0 / c.labelled() + 1.0 / s.labelled()));
    return se == 0 ? 0 : (c.accuracy() - s.accuracy()) / se;
  }
}
