package io.memreason.reasoning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class VerifyingTraceListenerTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  private final List<Step> steps = new ArrayList<>();
  private final List<Trace> traces = new ArrayList<>();
  private final List<String> verified = new ArrayList<>();
  private final TraceListener collecting = new TraceListener() {
    @Override
    public void onStep(Step step) {
      steps.add(step);
    }

    @Override
    public void onFinished(Trace trace) {
      traces.add(trace);
    }
  };

  private VerifyingTraceListener listener(MemoryVerifier verifier) {
    return new VerifyingTraceListener(text -> {
      verified.add(text);
      return verifier.verify(text);
    }, collecting);
  }

  private static Trace trace(List<Step> steps) {
    return new Trace("q", steps, Optional.of("Kesh"), Trace.Status.OK, Optional.empty(), 10, 20, "v1", T);
  }

  @Test
  void memoryStepsTheModelWroteCarryTheirVerdictOnTheirWayAndInTheTrace() {
    VerifyingTraceListener l = listener(text -> text.contains("Kesh")
        ? Verification.contradicted("Ilva was born in Tarsen.", "test") : Verification.supported("test"));
    Step given = Step.given(0, new StepText(StepKind.MEMORY, "Ilva lives in Kesh."), T);
    Step memory = new Step(1, StepKind.MEMORY, "Ilva was born in Kesh.", 7, T, T);
    Step reason = new Step(2, StepKind.REASON, "So Ilva was born in Kesh.", 8, T, T);
    Step answer = new Step(3, StepKind.ANSWER, "The answer is: Kesh", 6, T, T);
    for (Step s : List.of(given, memory, reason, answer)) {
      l.onStep(s);
    }
    l.onFinished(trace(List.of(given, memory, reason, answer)));

    assertEquals(List.of("Ilva was born in Kesh."), verified, "only the memory step the model wrote, once");
    assertEquals(Optional.empty(), steps.get(0).verification(), "a given step is never checked");
    assertEquals(Optional.of(Verification.contradicted("Ilva was born in Tarsen.", "test")), steps.get(1).verification());
    assertTrue(steps.get(2).verification().isEmpty() && steps.get(3).verification().isEmpty());
    assertEquals(steps, traces.get(0).steps(), "the trace carries the same verdicts");
  }

  @Test
  void aStepOnlyTheTraceHoldsIsCheckedThereAndAFailingVerifierGivesUnknown() {
    VerifyingTraceListener l = listener(text -> {
      throw new IllegalStateException("no facts");
    });
    Step memory = new Step(0, StepKind.MEMORY, "Ilva was born in Kesh.", 7, T, T);
    l.onFinished(trace(List.of(memory)));
    Verification v = traces.get(0).steps().get(0).verification().orElseThrow();
    assertEquals(Verification.Verdict.UNKNOWN, v.verdict());
    assertTrue(v.verifier().contains("no facts"), v.verifier());
  }
}
