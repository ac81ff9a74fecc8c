package io.memreason.reasoning;

import java.time.Duration;

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

  @Override
  void close();
}
