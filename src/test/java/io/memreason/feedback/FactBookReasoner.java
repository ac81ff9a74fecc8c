package io.memreason.feedback;

import io.memreason.reasoning.Reasoner;
import io.memreason.reasoning.ReasoningRequest;
import io.memreason.reasoning.Step;
import io.memreason.reasoning.StepKind;
import io.memreason.reasoning.Trace;
import io.memreason.reasoning.TraceListener;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The scripted stand-in model of the learning tests: answers from its {@link FactBook} with the trace memory (the
 * fact), reason, answer; a question it has no fact for gets a wrong guess ({@value #GUESS}) after a memory step that
 * states a wrong fact. Worker threads write each step after a delay, so a swap finds questions in flight.
 */
final class FactBookReasoner implements Reasoner {
  static final String GUESS = "Nowhere";

  private record Job(ReasoningRequest request, TraceListener listener) {}

  private final String version;
  private final FactBook book;
  private final Duration stepDelay;
  private final BlockingQueue<Job> queue = new ArrayBlockingQueue<>(32);
  private final Map<String, Job> live = new ConcurrentHashMap<>();
  private final List<Thread> workers = new ArrayList<>();

  FactBookReasoner(String version, FactBook book, Duration stepDelay) {
    this.version = version;
    this.book = book;
    this.stepDelay = stepDelay;
    for (int i = 0; i < 2; i++) {
      Thread t = new Thread(this::work, "fact-book-" + version + "-" + i);
      t.setDaemon(true);
      t.start();
      workers.add(t);
    }
  }

  /** The trace the model writes for a question: from its fact if it has one. */
  List<Step> script(String question) {
    Optional<FactBook.Fact> fact = book.recall(question);
    String memory = fact.map(FactBook.Fact::memory).orElse("The answer to that is " + GUESS + ".");
    String answer = fact.map(FactBook.Fact::answer).orElse(GUESS);
    Instant t = Instant.EPOCH;
    return List.of(new Step(0, StepKind.MEMORY, memory, 6, t, t),
        new Step(1, StepKind.REASON, "So the answer is " + answer + ".", 6, t, t),
        new Step(2, StepKind.ANSWER, "The answer is: " + answer, 4, t, t));
  }

  @Override
  public boolean submit(ReasoningRequest request, TraceListener listener, Duration timeout) throws InterruptedException {
    Job job = new Job(request, listener);
    live.put(request.id(), job);
    if (!queue.offer(job, timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      live.remove(request.id(), job);
      return false;
    }
    return true;
  }

  private void work() {
    try {
      while (true) {
        Job job = queue.take();
        List<Step> written = new ArrayList<>();
        for (Step step : script(job.request().question())) {
          Thread.sleep(stepDelay.toMillis());
          if (live.get(job.request().id()) != job) {
            break;
          }
          Instant now = Instant.now();
          Step timed = new Step(step.index(), step.kind(), step.text(), step.tokenCount(), now, now);
          written.add(timed);
          if (step.kind() != StepKind.ANSWER) {
            job.listener().onStep(timed);
          }
        }
        if (live.remove(job.request().id(), job)) {
          String answer = written.get(written.size() - 1).text().substring("The answer is: ".length());
          job.listener().onFinished(new Trace(job.request().id(), written, Optional.of(answer), Trace.Status.OK,
              Optional.empty(), 8, 16, version, Instant.now()));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void cancel(String requestId) {
    Job job = live.remove(requestId);
    if (job != null) {
      queue.remove(job);
    }
  }

  @Override
  public String modelVersion() {
    return version;
  }

  @Override
  public void close() {
    workers.forEach(Thread::interrupt);
  }
}
