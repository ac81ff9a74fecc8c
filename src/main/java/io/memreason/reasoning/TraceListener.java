package io.memreason.reasoning;

/**
 * Receives a trace while it is written. Called from an engine thread, in order: every completed step, then
 * exactly one {@link #onFinished}. Implementations must be quick and thread-safe (hand the events over, do not
 * block).
 */
public interface TraceListener {
  void onStep(Step step);

  void onFinished(Trace trace);
}
