package io.memreason.feedback;

import java.time.Duration;

/**
 * When a retraining is due: after {@code afterExamples} new labels since the last retraining, or, with a schedule
 * ({@code intervalMs} > 0), once the interval has passed since the last retraining and there is at least one new
 * label (retraining on nothing new would only repeat the last run).
 */
public record RetrainPolicy(int afterExamples, long intervalMs) {

  public RetrainPolicy {
    if (afterExamples < 1 || intervalMs < 0) {
      throw new IllegalArgumentException("retrain.after-examples must be at least 1 and retrain.interval-ms at least"
          + " 0, not " + afterExamples + " and " + intervalMs);
    }
  }

  public boolean isDue(long newLabels, Duration sinceLastRetrain) {
    boolean scheduled = intervalMs > 0 && newLabels > 0 && sinceLastRetrain.toMillis() >= intervalMs;
    return newLabels >= afterExamples || scheduled;
  }

  /** Why a retraining is not due, in one line. */
  public String notDue(long newLabels, Duration sinceLastRetrain) {
    return newLabels + " new labels since the last retraining, due at " + afterExamples
        + (intervalMs > 0 ? " or " + Duration.ofMillis(intervalMs).toSeconds() + " s after it ("
            + sinceLastRetrain.toSeconds() + " s now) with at least one" : "");
  }
}
