package io.memreason.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class CanaryRoutingTest {

  @Test
  void theCanaryGetsItsShareAndEveryIdAlwaysGoesTheSameWay() {
    CanaryRouting routing = new CanaryRouting(0.2, 0.5);
    int n = 20_000;
    int canary = 0;
    int shadow = 0;
    for (int i = 0; i < n; i++) {
      String id = UUID.nameUUIDFromBytes(("q" + i).getBytes()).toString();
      boolean toCanary = routing.toCanary(id);
      canary += toCanary ? 1 : 0;
      shadow += routing.inShadowSample(id) ? 1 : 0;
      assertEquals(toCanary, new CanaryRouting(0.2, 0.5).toCanary(id), "the same id, another process");
      if (toCanary) {
        assertFalse(routing.inShadowSample(id), "a canary's own question is not also shadowed");
      }
    }
    assertEquals(0.2, canary / (double) n, 0.01);
    assertEquals(0.8 * 0.5, shadow / (double) n, 0.015);
  }

  @Test
  void noShareNoCanaryAndSharesAreChecked() {
    assertFalse(CanaryRouting.NONE.toCanary("anything"));
    assertFalse(CanaryRouting.NONE.inShadowSample("anything"));
    assertThrows(IllegalArgumentException.class, () -> new CanaryRouting(1.5, 0));
    assertThrows(IllegalArgumentException.class, () -> new CanaryRouting(0.1, -0.1));
  }
}
