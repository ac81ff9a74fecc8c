package io.memreason.pipeline;

import io.memreason.reasoning.Reasoner;
import io.memreason.reasoning.ReasoningRequest;
import io.memreason.reasoning.Step;
import io.memreason.reasoning.Trace;
import io.memreason.reasoning.TraceListener;
import java.time.Duration;

/**
 * The real model with bugs injected on request: a question whose text starts with one of the markers below is
 * answered by the model behind it (without the marker), and what the model reports for it is then corrupted the
 * way a bug in the engine or the trace parser would corrupt it. Every other question passes through untouched.
 * It stands for "an exception nobody thought of" in the poison tests; the model itself is never replaced.
 */
final class FaultInjectingReasoner implements Reasoner {
  /** Submission throws, as a broken engine would. */
  static final String THROW_ON_SUBMIT = "FAULT:submit ";
  /** The first step has no text (null), which no record may hold. */
  static final String NULL_STEP_TEXT = "FAULT:null-text ";
  /** The first step has no kind. */
  static final String NULL_STEP_KIND = "FAULT:null-kind ";
  /** The finished trace has no step list. */
  static final String NULL_TRACE_STEPS = "FAULT:null-steps ";
  /** The first step's text is 1.2 MB, more than a record may be. */
  static final String HUGE_STEP = "FAULT:huge-step ";

  private final Reasoner model;

  FaultInjectingReasoner(Reasoner model) {
    this.model = model;
  }

  @Override
  public boolean submit(ReasoningRequest request, TraceListener listener, Duration timeout) throws InterruptedException {
    String text = request.question();
    if (text.startsWith(THROW_ON_SUBMIT)) {
      throw new IllegalStateException("injected fault: the engine broke while queueing " + request.id());
    }
    for (String marker : new String[] {NULL_STEP_TEXT, NULL_STEP_KIND, NULL_TRACE_STEPS, HUGE_STEP}) {
      if (text.startsWith(marker)) {
        ReasoningRequest clean = new ReasoningRequest(request.id(), text.substring(marker.length()), request.task(),
            request.options(), request.decoding());
        return model.submit(clean, corrupting(marker, listener), timeout);
      }
    }
    return model.submit(request, listener, timeout);
  }

  private static TraceListener corrupting(String marker, TraceListener listener) {
    return new TraceListener() {
      @Override
      public void onStep(Step step) {
        listener.onStep(step.index() == 0 ? corrupt(marker, step) : step);
      }

      @Override
      public void onFinished(Trace trace) {
        if (marker.equals(NULL_TRACE_STEPS)) {
          listener.onFinished(new Trace(trace.requestId(), null, trace.label(), trace.status(), trace.error(),
              trace.promptTokens(), trace.generatedTokens(), trace.modelVersion(), trace.finishedAt()));
        } else {
          listener.onFinished(new Trace(trace.requestId(), trace.steps().stream()
              .map(s -> s.index() == 0 ? corrupt(marker, s) : s).toList(), trace.label(), trace.status(),
              trace.error(), trace.promptTokens(), trace.generatedTokens(), trace.modelVersion(), trace.finishedAt()));
        }
      }
    };
  }

  private static Step corrupt(String marker, Step s) {
    return switch (marker) {
      case NULL_STEP_TEXT -> new Step(s.index(), s.kind(), null, s.tokenCount(), s.startedAt(), s.completedAt());
      case NULL_STEP_KIND -> new Step(s.index(), null, s.text(), s.tokenCount(), s.startedAt(), s.completedAt());
      case HUGE_STEP -> new Step(s.index(), s.kind(), s.text() + " " + "z".repeat(1_200_000), s.tokenCount(),
          s.startedAt(), s.completedAt());
      default -> s;
    };
  }

  @Override
  public void cancel(String requestId) {
    model.cancel(requestId);
  }

  @Override
  public String modelVersion() {
    return model.modelVersion();
  }

  @Override
  public void close() {
    model.close();
  }
}
