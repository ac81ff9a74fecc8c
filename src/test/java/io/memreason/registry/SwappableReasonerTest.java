package io.memreason.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.memreason.reasoning.Decoding;
import io.memreason.reasoning.Reasoner;
import io.memreason.reasoning.ReasoningRequest;
import io.memreason.reasoning.Step;
import io.memreason.reasoning.Task;
import io.memreason.reasoning.Trace;
import io.memreason.reasoning.TraceListener;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SwappableReasonerTest {

  /** A model version the test drives: it holds what it was given until the test finishes it. */
  private static final class HeldReasoner implements Reasoner {
    final String version;
    final Map<String, TraceListener> held = new ConcurrentHashMap<>();
    final List<String> cancelled = new CopyOnWriteArrayList<>();
    final CountDownLatch closed = new CountDownLatch(1);
    Runnable duringSubmit = () -> {};
    boolean refuse;

    HeldReasoner(String version) {
      this.version = version;
    }

    @Override
    public boolean submit(ReasoningRequest request, TraceListener listener, Duration timeout) {
      duringSubmit.run();
      if (refuse) {
        return false;
      }
      held.put(request.id(), listener);
      return true;
    }

    void finish(String id) {
      held.remove(id).onFinished(new Trace(id, List.of(), Optional.of("Tarsen"), Trace.Status.OK, Optional.empty(),
          3, 5, version, Instant.EPOCH));
    }

    @Override
    public void cancel(String requestId) {
      held.remove(requestId);
      cancelled.add(requestId);
    }

    @Override
    public String modelVersion() {
      return version;
    }

    @Override
    public void close() {
      closed.countDown();
    }

    boolean isClosed() {
      return closed.getCount() == 0;
    }

    void awaitClosed() throws InterruptedException {
      assertTrue(closed.await(10, TimeUnit.SECONDS), version + " was not closed");
    }
  }

  /** Remembers which version answered each question. */
  private static final class Answers implements TraceListener {
    final Map<String, String> versionOf = new ConcurrentHashMap<>();

    @Override
    public void onStep(Step step) {}

    @Override
    public void onFinished(Trace trace) {
      versionOf.put(trace.requestId(), trace.modelVersion());
    }
  }

  private static ReasoningRequest request(String id) {
    return new ReasoningRequest(id, "Where was Ilva born?", Task.ATLAS, List.of(), new Decoding(0, 1, 0, 32, 1));
  }

  @Test
  void newQuestionsGoToTheNewVersionWhileQuestionsInFlightFinishOnTheOldOne() throws Exception {
    HeldReasoner v1 = new HeldReasoner("v1");
    HeldReasoner v2 = new HeldReasoner("v2");
    Answers answers = new Answers();
    try (SwappableReasoner reasoner = new SwappableReasoner("v1", v1)) {
      assertTrue(reasoner.submit(request("q1"), answers, Duration.ZERO));
      assertTrue(reasoner.submit(request("q2"), answers, Duration.ZERO));

      reasoner.swapTo("v2", v2);
      assertEquals("v2", reasoner.modelVersion());
      assertTrue(reasoner.submit(request("q3"), answers, Duration.ZERO));

      assertEquals(List.of("v1", "v2"), reasoner.loadedVersions());
      assertEquals(2, v1.held.size());
      assertEquals(List.of("q3"), List.copyOf(v2.held.keySet()));
      v1.finish("q1");
      assertFalse(v1.isClosed(), "q2 is still being answered by v1");
      v1.finish("q2");
      v1.awaitClosed();
      v2.finish("q3");

      assertEquals(Map.of("q1", "v1", "q2", "v1", "q3", "v2"), answers.versionOf);
      assertEquals(List.of("v2"), reasoner.loadedVersions());
      assertFalse(v2.isClosed());
    }
    assertTrue(v2.isClosed());
  }

  @Test
  void aCanaryAnswersItsShareByQuestionIdIsPromotedWithoutALoadAndARejectedOneFinishesWhatItHas() throws Exception {
    HeldReasoner v1 = new HeldReasoner("v1");
    HeldReasoner v2 = new HeldReasoner("v2");
    HeldReasoner v3 = new HeldReasoner("v3");
    Answers answers = new Answers();
    CanaryRouting routing = new CanaryRouting(0.2);
    try (SwappableReasoner reasoner = new SwappableReasoner("v1", v1)) {
      reasoner.startCanary("v2", v2, routing);
      assertEquals(List.of("v2", "v1"), reasoner.loadedVersions());
      assertEquals(0.8, reasoner.shareOf("v1"), 1e-9);
      assertEquals(0.2, reasoner.shareOf("v2"), 1e-9);
      assertEquals(0.0, reasoner.shareOf("v0"));
      int toCanary = 0;
      for (int i = 0; i < 200; i++) {
        String id = "q" + i;
        String expected = routing.toCanary(id) ? "v2" : "v1";
        assertEquals(expected, reasoner.modelVersionFor(id));
        assertTrue(reasoner.submit(request(id), answers, Duration.ZERO));
        toCanary += expected.equals("v2") ? 1 : 0;
      }
      assertEquals(toCanary, v2.held.size());
      assertTrue(toCanary > 20 && toCanary < 60, toCanary + " of 200 to the canary");
      assertEquals("v1", reasoner.modelVersion(), "the serving version is still v1");

      assertTrue(reasoner.promoteCanary("v2"));
      assertEquals("v2", reasoner.modelVersion());
      assertEquals(1.0, reasoner.shareOf("v2"));
      assertEquals(0.0, reasoner.shareOf("v1"), "a version that finishes its questions gets no new one");
      assertEquals("v2", reasoner.modelVersionFor("q0"));
      assertFalse(v2.isClosed());
      List.copyOf(v1.held.keySet()).forEach(v1::finish);
      v1.awaitClosed();

      reasoner.startCanary("v3", v3, new CanaryRouting(1.0));
      assertTrue(reasoner.submit(request("late"), answers, Duration.ZERO));
      assertEquals(List.of("late"), List.copyOf(v3.held.keySet()));
      reasoner.endCanary();
      assertEquals("v2", reasoner.modelVersionFor("late-2"));
      assertFalse(v3.isClosed(), "the rejected canary still owes an answer");
      v3.finish("late");
      v3.awaitClosed();
      assertEquals("v3", answers.versionOf.get("late"));
      assertFalse(reasoner.promoteCanary("v3"), "an ended canary cannot be promoted");
    }
  }

  @Test
  void theCanaryAnswersTheShadowSampleOfTheServingVersionsQuestionsAndOnlyWhileItRuns() throws Exception {
    HeldReasoner v1 = new HeldReasoner("v1");
    HeldReasoner v2 = new HeldReasoner("v2");
    Answers answers = new Answers();
    CanaryRouting routing = new CanaryRouting(0.2);
    ShadowSampling sampling = new ShadowSampling(0.5);
    try (SwappableReasoner reasoner = new SwappableReasoner("v1", v1, sampling)) {
      assertTrue(reasoner.shadows());
      assertEquals(Optional.empty(), reasoner.shadowVersionFor("q0"), "no candidate, no shadow");
      reasoner.startCanary("v2", v2, routing);
      int shadowed = 0;
      for (int i = 0; i < 200; i++) {
        String id = "q" + i;
        boolean expected = !routing.toCanary(id) && sampling.sampled(id);
        assertEquals(expected ? Optional.of("v2") : Optional.empty(), reasoner.shadowVersionFor(id), id);
        shadowed += expected ? 1 : 0;
      }
      // Independent hashes: about half of the serving version's 80 %.
      assertTrue(shadowed > 60 && shadowed < 100, shadowed + " of 200 shadowed");
      assertTrue(reasoner.submitTo("v2", request("shadow-of-q"), answers, Duration.ZERO));
      assertTrue(reasoner.submitTo("v1", request("q"), answers, Duration.ZERO));
      assertEquals(List.of("shadow-of-q"), List.copyOf(v2.held.keySet()));
      assertEquals(List.of("q"), List.copyOf(v1.held.keySet()));
      assertThrows(IllegalStateException.class, () -> reasoner.submitTo("v9", request("x"), answers, Duration.ZERO));
      reasoner.endCanary();
      assertEquals(Optional.empty(), reasoner.shadowVersionFor("q1"), "an ended canary shadows nothing");
      assertThrows(IllegalStateException.class,
          () -> reasoner.submitTo("v2", request("late"), answers, Duration.ZERO),
          "an ended canary takes no new shadow request");
      v2.finish("shadow-of-q");
      v2.awaitClosed();
      assertEquals("v2", answers.versionOf.get("shadow-of-q"));
    }
  }

  @Test
  void aVersionWithNothingInFlightIsClosedAtTheSwap() throws Exception {
    HeldReasoner v1 = new HeldReasoner("v1");
    try (SwappableReasoner reasoner = new SwappableReasoner("v1", v1)) {
      reasoner.swapTo("v2", new HeldReasoner("v2"));
      v1.awaitClosed();
    }
  }

  @Test
  void cancellingTheLastQuestionOfARetiredVersionClosesIt() throws Exception {
    HeldReasoner v1 = new HeldReasoner("v1");
    try (SwappableReasoner reasoner = new SwappableReasoner("v1", v1)) {
      reasoner.submit(request("q1"), new Answers(), Duration.ZERO);
      reasoner.swapTo("v2", new HeldReasoner("v2"));

      reasoner.cancel("q1");

      assertEquals(List.of("q1"), v1.cancelled);
      v1.awaitClosed();
    }
  }

  @Test
  void aSwapDuringASubmissionNeitherClosesTheVersionUnderItNorKeepsItOpenWhenItRefuses() throws Exception {
    HeldReasoner v1 = new HeldReasoner("v1");
    HeldReasoner v2 = new HeldReasoner("v2");
    Answers answers = new Answers();
    try (SwappableReasoner reasoner = new SwappableReasoner("v1", v1)) {
      v1.duringSubmit = () -> reasoner.swapTo("v2", v2);
      assertTrue(reasoner.submit(request("q1"), answers, Duration.ZERO));
      assertFalse(v1.isClosed(), "v1 accepted q1 while the swap happened: it must answer it");
      v1.duringSubmit = () -> {};

      HeldReasoner v3 = new HeldReasoner("v3");
      v2.duringSubmit = () -> reasoner.swapTo("v3", v3);
      v2.refuse = true;
      assertFalse(reasoner.submit(request("q2"), answers, Duration.ZERO), "v2's queue was full");
      v2.awaitClosed();
      assertTrue(reasoner.submit(request("q2"), answers, Duration.ZERO), "the retry goes to the serving version");
      assertEquals(List.of("q2"), List.copyOf(v3.held.keySet()));

      v1.finish("q1");
      v1.awaitClosed();
      assertEquals("v1", answers.versionOf.get("q1"));
    }
  }
}
