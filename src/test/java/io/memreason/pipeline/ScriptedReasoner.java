package io.memreason.pipeline;

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
 * A stand-in model for the integration tests, until they run the real engine on a tiny model: worker threads
 * write each question's trace step by step with a delay between steps (so a crash can hit mid-generation),
 * from a bounded queue (so back-pressure happens). The trace is a pure function of the request's seed,
 * which the pipeline derives from (question id, model version): a resubmitted question gets the same trace.
 * A question whose text starts with "FAIL" fails after its first step.
 */
final class ScriptedReasoner implements Reasoner {
  static final String VERSION = "scripted-v1";

  private final BlockingQueue<Job> queue;
  private final Map<String, Job> jobs = new ConcurrentHashMap<>();
  private final List<Thread> workers = new ArrayList<>();
  private final Duration stepDelay;

  private static final class Job {
    final ReasoningRequest request;
    final TraceListener listener;
    volatile boolean cancelled;

    Job(ReasoningRequest request, TraceListener listener) {
      this.request = request;
      this.listener = listener;
    }
  }

  ScriptedReasoner(int parallelism, int queueCapacity, Duration stepDelay) {
    this.queue = new ArrayBlockingQueue<>(queueCapacity);
    this.stepDelay = stepDelay;
    for (int i = 0; i < parallelism; i++) {
      Thread t = new Thread(this::work, "scripted-reasoner-" + i);
      t.setDaemon(true);
      t.start();
      workers.add(t);
    }
  }

  /** The trace every question gets: 2-5 steps, memory and reason alternating, an assignment step last when odd. */
  static List<Step> script(ReasoningRequest request) {
    long seed = request.decoding().seed();
    int count = 2 + (int) Math.floorMod(seed, 4L);
    List<Step> steps = new ArrayList<>();
    Instant t = Instant.EPOCH;
    for (int i = 0; i < count; i++) {
      StepKind kind = i % 2 == 0 ? StepKind.MEMORY : StepKind.REASON;
      if (i == count - 1 && (seed & 16) != 0) {
        kind = StepKind.ASSIGNMENT;
      }
      steps.add(new Step(i, kind, kind.name().toLowerCase() + " step " + i + " of " + request.id(), 5, t, t));
    }
    steps.add(new Step(count, StepKind.ANSWER, "The answer is: " + ((seed & 1) == 0 ? "True" : "False"), 4, t, t));
    return steps;
  }

  @Override
  public boolean submit(ReasoningRequest request, TraceListener listener, Duration timeout) throws InterruptedException {
    Job job = new Job(request, listener);
    Job previous = jobs.put(request.id(), job);
    if (previous != null) {
      previous.cancelled = true;
    }
    if (!queue.offer(job, timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      jobs.remove(request.id(), job);
      return false;
    }
    return true;
  }

  private void work() {
    try {
      while (true) {
        Job job = queue.take();
        run(job);
        jobs.remove(job.request.id(), job);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run(Job job) throws InterruptedException {
    List<Step> steps = script(job.request);
    List<Step> written = new ArrayList<>();
    int tokens = 0;
    for (Step step : steps) {
      Thread.sleep(stepDelay.toMillis());
      if (job.cancelled) {
        return;
      }
      Instant now = Instant.now();
      Step timed = new Step(step.index(), step.kind(), step.text(), step.tokenCount(), now, now);
      written.add(timed);
      tokens += step.tokenCount();
      if (job.request.question().startsWith("FAIL")) {
        job.listener.onFinished(new Trace(job.request.id(), written, Optional.empty(), Trace.Status.FAILED,
            Optional.of("scripted failure"), 10, tokens, VERSION, now));
        return;
      }
      if (step.kind() != StepKind.ANSWER) {
        job.listener.onStep(timed);
      }
    }
    Step answer = written.get(written.size() - 1);
    job.listener.onFinished(new Trace(job.request.id(), written, Optional.of(answer.text().substring(15)),
        Trace.Status.OK, Optional.empty(), 10, tokens, VERSION, Instant.now()));
  }

  @Override
  public void cancel(String requestId) {
    Job job = jobs.remove(requestId);
    if (job != null) {
      job.cancelled = true;
      queue.remove(job);
    }
  }

  @Override
  public String modelVersion() {
    return VERSION;
  }

  @Override
  public void close() {
    workers.forEach(Thread::interrupt);
  }
}
