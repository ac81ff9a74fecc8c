package io.memreason.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class CanaryRoutingTest {

  @Test
  void theCanaryGetsItsShareAndEveryIdAlwaysGoesTheSameWay() {
    CanaryRouting routing = new CanaryRouting(0.2);
    int n = 20_000;
    int canary = 0;
    for (int i = 0; i < n; i++) {
      String id = UUID.nameUUIDFromBytes(("q" + i).getBytes()).toString();
      boolean toCanary = routing.toCanary(id);
      canary += toCanary ? 1 : 0;
      assertEquals(toCanary, new CanaryRouting(0.2).toCanary(id), "the same id, another process");
      assertEquals(toCanary, CanaryRouting.bucket("canary", id) < 0.2);
    }
    assertEquals(0.2, canary / (double) n, 0.01);
  }

  @Test
  void noShareNoCanaryAndSharesAreChecked() {
    assertFalse(CanaryRouting.NONE.toCanary("anything"));
    assertThrows(IllegalArgumentException.class, () -> new CanaryRouting(1.5));
    assertThrows(IllegalArgumentException.class, () -> new CanaryRouting(-0.1));
  }
}
