package io.memreason.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PromotionGateTest {
  private final PromotionGate gate = new PromotionGate(0.02);

  @Test
  void promotesACandidateWithinTheToleranceOfTheServingVersion() {
    assertTrue(gate.decide(0.90, "v1", 0.70).promote());
    assertTrue(gate.decide(0.69, "v1", 0.70).promote(), "within the tolerance");
    PromotionGate.Decision equal = gate.decide(0.68, "v1", 0.70);
    assertTrue(equal.promote(), "exactly at the bar");
  }

  @Test
  void rejectsARegressionBeyondTheToleranceAndSaysWhy() {
    PromotionGate.Decision d = gate.decide(0.41, "v1", 0.62);
    assertFalse(d.promote());
    assertEquals("eval accuracy 0.4100 < v1's 0.6200 - tolerance 0.0200", d.reason());
  }

  @Test
  void aNegativeToleranceIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new PromotionGate(-0.1));
  }
}
