package io.memreason.reasoning;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Answers questions with memory/reason traces, many at a time, streaming each step as soon as it is written.
 * The inference processor depends on this interface only; the model behind it is {@code LlmReasoner}.
 */
public interface Reasoner extends AutoCloseable {

  /**
   * Queues a request. Waits up to {@code timeout} for room when the queue is full (back-pressure) and returns
   * false if there still is none. Generation is deterministic per (request, {@link #modelVersion()}).
   */
  boolean submit(ReasoningRequest request, TraceListener listener, Duration timeout) throws InterruptedException;

  /** Stops generating for a request, if it is queued or running; its listener hears nothing more. */
  void cancel(String requestId);

  /** The version of the model that new requests are answered with. */
  String modelVersion();

  /**
   * The version that a request with this id would be answered with now: {@link #modelVersion()}, unless a canary
   * takes a share of the ids.
   */
  default String modelVersionFor(String requestId) {
    return modelVersion();
  }

  /**
   * The candidate version that also answers this question in the shadow ({@code serving.shadow}), if any: none
   * unless a candidate runs beside the serving version and the question is in its shadow sample.
   */
  default Optional<String> shadowVersionFor(String requestId) {
    return Optional.empty();
  }

  /**
   * Queues a request for a named loaded version (a shadow request for the candidate), like {@link #submit}.
   *
   * @throws IllegalStateException when {@code version} is not loaded (any more)
   */
  default boolean submitTo(String version, ReasoningRequest request, TraceListener listener, Duration timeout)
      throws InterruptedException {
    if (!version.equals(modelVersion())) {
      throw new IllegalStateException("model version " + version + " is not loaded; " + modelVersion() + " is");
    }
    return submit(request, listener, timeout);
  }

  @Override
  void close();

  /**
   * Answers every request and returns the finished traces in the requests' order: all are submitted (each waiting
   * for room in the queue as long as it takes), then awaited, {@code timeout} for all of them together.
   *
   * @throws IllegalStateException when they are not all answered in time
   */
  default List<Trace> answerAll(List<ReasoningRequest> requests, Duration timeout) throws InterruptedException {
    List<CompletableFuture<Trace>> traces = new ArrayList<>();
    for (ReasoningRequest request : requests) {
      CompletableFuture<Trace> trace = new CompletableFuture<>();
      TraceListener listener = new TraceListener() {
        @Override
        public void onStep(Step step) {}

        @Override
        public void onFinished(Trace finished) {
          trace.complete(finished);
        }
      };
      while (!submit(request, listener, Duration.ofMillis(100))) {
        // The queue is full: the answers already submitted make room.
      }
      traces.add(trace);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    List<Trace> finished = new ArrayList<>();
    for (CompletableFuture<Trace> trace : traces) {
      try {
        finished.add(trace.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
      } catch (ExecutionException e) {
        throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
      } catch (TimeoutException e) {
        throw new IllegalStateException(finished.size() + " of " + requests.size() + " questions answered in "
            + timeout.toSeconds() + " s", e);
      }
    }
    return finished;
  }
}
