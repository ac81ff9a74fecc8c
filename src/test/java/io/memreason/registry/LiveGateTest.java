package io.memreason.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.registry.LiveGate.Labels;
import io.memreason.registry.LiveGate.Verdict;
import org.junit.jupiter.api.Test;

class LiveGateTest {
  private final LiveGate gate = new LiveGate(30, 0.95);

  @Test
  void waitsUntilBothVersionsHaveEnoughLabels() {
    LiveGate.Decision d = gate.decide("v2", new Labels(29, 29), "v1", new Labels(500, 250));
    assertEquals(Verdict.WAIT, d.verdict());
    assertTrue(d.reason().contains("v2 29/29") && d.reason().contains("registry.live-min-labels"), d.reason());
    assertEquals(Verdict.WAIT, gate.decide("v2", new Labels(100, 60), "v1", new Labels(10, 5)).verdict());
  }

  @Test
  void promotesACandidateThatIsNotBelow() {
    LiveGate.Decision d = gate.decide("v2", new Labels(40, 24), "v1", new Labels(200, 110));
    assertEquals(Verdict.PROMOTE, d.verdict(), d.reason());
    assertTrue(d.reason().contains("not below v1") && d.reason().contains("0.600"), d.reason());
    assertEquals(Verdict.PROMOTE, gate.decide("v2", new Labels(30, 15), "v1", new Labels(30, 15)).verdict());
  }

  @Test
  void rollsBackACandidateThatIsBelowWithConfidenceAndWaitsOnNoise() {
    LiveGate.Decision bad = gate.decide("v3", new Labels(30, 3), "v1", new Labels(200, 110));
    assertEquals(Verdict.ROLL_BACK, bad.verdict(), bad.reason());
    assertTrue(bad.reason().contains("below v1") && bad.reason().contains("-1.645"), bad.reason());
    // 0.50 against 0.55 on 40 and 200 labels: z = -0.58, not significant.
    LiveGate.Decision noise = gate.decide("v2", new Labels(40, 20), "v1", new Labels(200, 110));
    assertEquals(Verdict.WAIT, noise.verdict(), noise.reason());
  }

  @Test
  void theStatisticIsTheTextbookPooledTwoProportionZ() {
    // p1 = 0.3 (n 50), p2 = 0.5 (n 50): pooled 0.4, se = sqrt(0.24 * 0.04) = 0.09798, z = -2.041.
    assertEquals(-2.041, LiveGate.z(new Labels(50, 15), new Labels(50, 25)), 1e-3);
    assertEquals(0, LiveGate.z(new Labels(40, 40), new Labels(90, 90)));
    assertThrows(IllegalArgumentException.class, () -> new LiveGate(0, 0.95));
    assertThrows(IllegalArgumentException.class, () -> new LiveGate(10, 1.0));
  }
}
