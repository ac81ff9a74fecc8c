package io.memreason.pipeline;

import io.memreason.reasoning.Step;
import io.memreason.reasoning.Trace;
import io.memreason.reasoning.TraceListener;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * Where the model's engine threads leave finished steps and traces for one inference processor, whose
 * stream thread forwards them. Engine threads only append; nothing else crosses threads.
 */
final class Outbox {
  /** Something the model finished, with the listener it was reported to. */
  sealed interface Event permits StepWritten, TraceFinished {
    Listener source();
  }

  record StepWritten(Listener source, Step step) implements Event {}

  record TraceFinished(Listener source, Trace trace) implements Event {}

  private final ConcurrentLinkedQueue<Event> events = new ConcurrentLinkedQueue<>();

  /** A new listener for one attempt at answering a question. */
  Listener listenerFor(String questionId) {
    return new Listener(questionId, false);
  }

  /** A new listener for one attempt at a question's shadow generation ({@code serving.shadow}). */
  Listener shadowListenerFor(String questionId) {
    return new Listener(questionId, true);
  }

  /** Hands every event waiting now to {@code handler}, oldest first. */
  void drain(Consumer<Event> handler) {
    for (Event e = events.poll(); e != null; e = events.poll()) {
      handler.accept(e);
    }
  }

  /**
   * The listener of one attempt. Events keep a reference to it, so the processor can ignore events of an
   * attempt it has cancelled or replaced.
   */
  final class Listener implements TraceListener {
    private final String questionId;
    private final boolean shadow;

    private Listener(String questionId, boolean shadow) {
      this.questionId = questionId;
      this.shadow = shadow;
    }

    String questionId() {
      return questionId;
    }

    /** Whether this attempt is the question's shadow generation, whose trace goes to the shadow-answers topic only. */
    boolean shadow() {
      return shadow;
    }

    @Override
    public void onStep(Step step) {
      events.add(new StepWritten(this, step));
    }

    @Override
    public void onFinished(Trace trace) {
      events.add(new TraceFinished(this, trace));
    }
  }
}
