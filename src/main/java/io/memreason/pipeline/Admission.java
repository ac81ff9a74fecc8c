package io.memreason.pipeline;

import io.memreason.config.MemreasonConfig;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Shares the model among the tasks of one pipeline. Questions wait in their task's pending store until the model
 * has room; while several tasks have questions waiting, each may have at most its fair share of the model's
 * capacity in flight, so that no partition starves another. A task alone may use all of it.
 */
final class Admission {
  private final int capacity;
  private final Set<Object> tasksWaiting = ConcurrentHashMap.newKeySet();

  Admission(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("the model's capacity must be at least 1, not " + capacity);
    }
    this.capacity = capacity;
  }

  /** The questions the engine holds at most: each worker's batch and queue. */
  static Admission of(MemreasonConfig.Engine engine) {
    return new Admission(engine.workers() * (engine.maxBatch() + engine.queueCapacity()));
  }

  /** Whether {@code task} has questions waiting for the model. */
  void waiting(Object task, boolean waiting) {
    if (waiting) {
      tasksWaiting.add(task);
    } else {
      tasksWaiting.remove(task);
    }
  }

  /** How many questions a task with questions waiting may have in flight now. */
  int share() {
    int competing = Math.max(1, tasksWaiting.size());
    return Math.max(1, (capacity + competing - 1) / competing);
  }
}
