package io.memreason.training;

import ai.djl.training.tracker.CosineTracker;
import ai.djl.training.tracker.Tracker;
import ai.djl.training.tracker.WarmUpTracker;

/**
 * Linear warm-up then cosine decay to zero, as transformers' {@code get_cosine_schedule_with_warmup}, built from
 * DJL's trackers. A pure function of the update index, so a resumed run continues the same curve.
 */
public final class LearningRateSchedule {
  private final Tracker tracker;

  /**
   * @param peak the rate reached at the end of warm-up
   * @param warmupSteps updates over which the rate rises linearly
   * @param totalSteps all updates of the run
   */
  public LearningRateSchedule(float peak, int warmupSteps, int totalSteps) {
    CosineTracker cosine = CosineTracker.builder().setBaseValue(peak).optFinalValue(0f)
        .setMaxUpdates(Math.max(1, totalSteps - warmupSteps)).build();
    // The first update already gets peak / warmup (transformers gives it 0, wasting an update).
    this.tracker = WarmUpTracker.builder().setMainTracker(cosine).optWarmUpSteps(warmupSteps)
        .optWarmUpBeginValue(warmupSteps > 0 ? peak / warmupSteps : peak).build();
  }

  /** The rate of update {@code step} (0 for the first update of the run). */
  public float rate(int step) {
    return tracker.getNewValue(step);
  }
}
