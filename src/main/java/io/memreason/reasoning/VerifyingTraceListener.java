package io.memreason.reasoning;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Passes a trace on with every memory step the model wrote checked by a {@link MemoryVerifier} first: each such step
 * reaches the listener with its verdict, and so does the finished trace's copy of it. A verifier that fails gives an
 * UNKNOWN verdict naming the failure; it never stops the trace.
 */
public final class VerifyingTraceListener implements TraceListener {
  private final MemoryVerifier verifier;
  private final TraceListener next;
  /** The steps passed on, by index, so the finished trace carries the same verdicts; one engine thread touches it. */
  private final Map<Integer, Step> passedOn = new HashMap<>();

  public VerifyingTraceListener(MemoryVerifier verifier, TraceListener next) {
    this.verifier = verifier;
    this.next = next;
  }

  @Override
  public void onStep(Step step) {
    Step checked = check(step);
    passedOn.put(checked.index(), checked);
    next.onStep(checked);
  }

  @Override
  public void onFinished(Trace trace) {
    List<Step> steps = trace.steps().stream()
        .map(s -> passedOn.containsKey(s.index()) ? passedOn.get(s.index()) : check(s))
        .toList();
    next.onFinished(new Trace(trace.requestId(), steps, trace.label(), trace.status(), trace.error(),
        trace.promptTokens(), trace.generatedTokens(), trace.modelVersion(), trace.finishedAt()));
  }

  private Step check(Step step) {
    if (step.kind() != StepKind.MEMORY || step.given() || step.verification().isPresent()) {
      return step;
    }
    Verification verdict;
    try {
      verdict = verifier.verify(step.text());
    } catch (RuntimeException e) {
      verdict = Verification.unknown("the verifier failed: " + e);
    }
    return step.withVerification(verdict);
  }
}
