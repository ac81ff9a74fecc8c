package io.memreason.feedback;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetrainPolicyTest {

  @Test
  void isDueAfterEnoughNewLabels() {
    RetrainPolicy policy = new RetrainPolicy(50, 0);
    assertFalse(policy.isDue(49, Duration.ofDays(30)), "no schedule: time alone never makes it due");
    assertTrue(policy.isDue(50, Duration.ZERO));
  }

  @Test
  void onAScheduleIsDueOnceTheIntervalPassedWithAtLeastOneNewLabel() {
    RetrainPolicy policy = new RetrainPolicy(50, Duration.ofHours(1).toMillis());
    assertFalse(policy.isDue(3, Duration.ofMinutes(59)));
    assertTrue(policy.isDue(3, Duration.ofMinutes(60)));
    assertFalse(policy.isDue(0, Duration.ofDays(1)), "nothing new to learn");
    assertTrue(policy.notDue(3, Duration.ofMinutes(10)).startsWith("3 new labels"));
  }

  @Test
  void refusesSettingsThatCouldNeverOrAlwaysTrigger() {
    assertThrows(IllegalArgumentException.class, () -> new RetrainPolicy(0, 0));
    assertThrows(IllegalArgumentException.class, () -> new RetrainPolicy(1, -1));
  }
}
