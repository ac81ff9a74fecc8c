package io.memreason.config;

import java.time.Duration;

/**
 * How the time between a SIGTERM (or Ctrl-C) and the end of the JVM is spent by {@code serve} and {@code demo}: the
 * inference pipeline's drain ({@code pipeline.drain-timeout-ms}) and its close (commit, leave the group, so that its
 * partitions move at once), the feedback aggregator's close, and the rest (the web server, the model). The parts add up to less than
 * {@link #GRACE}, the time the JVM's shutdown hook waits, so a close is never cut short; an orchestrator's own grace
 * (Kubernetes' {@code terminationGracePeriodSeconds}, compose's {@code stop_grace_period}: 90 s) is longer still.
 */
public final class ShutdownBudget {
  /** How long the shutdown hook lets the command close what it runs. */
  public static final Duration GRACE = Duration.ofSeconds(60);
  /** The feedback aggregator: commit and leave its group. */
  public static final Duration FEEDBACK_CLOSE = Duration.ofSeconds(10);
  /** The inference pipeline after its drain: commit what was forwarded and leave the group. */
  public static final Duration PIPELINE_CLOSE = Duration.ofSeconds(10);
  /** Everything else: the web server and its followers, a retraining in progress, the model's threads. */
  public static final Duration OTHERS = Duration.ofSeconds(10);
  /** The longest drain the rest leaves room for. */
  public static final Duration MAX_DRAIN = GRACE.minus(FEEDBACK_CLOSE).minus(PIPELINE_CLOSE).minus(OTHERS);

  private ShutdownBudget() {}
}
