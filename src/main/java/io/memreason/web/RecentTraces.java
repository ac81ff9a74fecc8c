package io.memreason.web;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * The latest questions the monitor has seen, in the order they were first seen, at most {@code capacity} of them
 * (the oldest drop off), and whoever waits for one of them to be answered. Thread-safe.
 */
final class RecentTraces {
  private final int capacity;
  private final LinkedHashMap<String, TraceView> traces = new LinkedHashMap<>();
  private final Map<String, List<CompletableFuture<Optional<TraceView>>>> answerWaiters = new HashMap<>();

  RecentTraces(int capacity) {
    this.capacity = capacity;
  }

  /** Applies a change to a question's view (an unseen question starts empty) and returns the new view. */
  synchronized TraceView update(String id, UnaryOperator<TraceView> change) {
    TraceView updated = change.apply(traces.getOrDefault(id, TraceView.unseen(id)));
    traces.put(id, updated);
    if (traces.size() > capacity) {
      traces.remove(traces.keySet().iterator().next());
    }
    if (updated.answered()) {
      List<CompletableFuture<Optional<TraceView>>> waiting = answerWaiters.remove(id);
      if (waiting != null) {
        // Completed on another thread: whatever a waiter does next must not run under this lock.
        waiting.forEach(f -> f.completeAsync(() -> Optional.of(updated)));
      }
    }
    return updated;
  }

  synchronized Optional<TraceView> get(String id) {
    return Optional.ofNullable(traces.get(id));
  }

  /** Every view, oldest first. */
  synchronized List<TraceView> all() {
    return new ArrayList<>(traces.values());
  }

  /**
   * The question's view once it has an answer: at once when it already has one, else when the answer arrives, or
   * empty when none arrives within the timeout.
   */
  synchronized CompletableFuture<Optional<TraceView>> answered(String id, Duration timeout) {
    TraceView known = traces.get(id);
    if (known != null && known.answered()) {
      return CompletableFuture.completedFuture(Optional.of(known));
    }
    CompletableFuture<Optional<TraceView>> answer = new CompletableFuture<>();
    answerWaiters.computeIfAbsent(id, k -> new ArrayList<>()).add(answer);
    answer.completeOnTimeout(Optional.empty(), timeout.toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete((result, error) -> forget(id, answer));
    return answer;
  }

  private synchronized void forget(String id, CompletableFuture<Optional<TraceView>> waiter) {
    List<CompletableFuture<Optional<TraceView>>> waiting = answerWaiters.get(id);
    if (waiting != null && waiting.remove(waiter) && waiting.isEmpty()) {
      answerWaiters.remove(id);
    }
  }
}
