package io.memreason.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class AdmissionTest {

  @Test
  void aTaskAloneMayUseTheWholeModelAndTasksWithQuestionsWaitingShareIt() {
    Admission admission = new Admission(64);
    Object a = new Object();
    Object b = new Object();
    Object c = new Object();
    assertEquals(64, admission.share(), "nobody waits: whoever asks may fill the model");
    admission.waiting(a, true);
    assertEquals(64, admission.share());
    admission.waiting(b, true);
    admission.waiting(c, true);
    assertEquals(22, admission.share(), "three tasks waiting: a third each, rounded up");
    admission.waiting(b, false);
    assertEquals(32, admission.share());
    admission.waiting(a, false);
    admission.waiting(c, false);
    assertEquals(64, admission.share());
  }

  @Test
  void everyTaskGetsAtLeastOneQuestionInFlight() {
    Admission admission = new Admission(2);
    for (int i = 0; i < 5; i++) {
      admission.waiting(new Object(), true);
    }
    assertEquals(1, admission.share());
    assertThrows(IllegalArgumentException.class, () -> new Admission(0));
  }
}
