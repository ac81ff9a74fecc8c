package io.memreason.pipeline;

import io.memreason.reasoning.Reasoner;
import io.memreason.reasoning.ReasoningRequest;
import io.memreason.reasoning.Step;
import io.memreason.reasoning.StepKind;
import io.memreason.reasoning.StepText;
import io.memreason.reasoning.Trace;
import io.memreason.reasoning.TraceListener;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A stand-in model driven by the test, on the test's thread: every question has a fixed script of steps
 * (so a resubmitted question replays the same trace, as the real model does), and the test decides when the
 * next steps and the end are written. A request's given steps come first, flagged given, as the real model's
 * trace has them; then the script.
 */
final class ManualReasoner implements Reasoner {
  static final String VERSION = "test-v1";
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  /** The script every question follows: memory, reason, memory, assignment, then the answer. */
  static final List<StepKind> SCRIPT = List.of(StepKind.MEMORY, StepKind.REASON, StepKind.MEMORY, StepKind.ASSIGNMENT);

  private final Map<String, TraceListener> running = new LinkedHashMap<>();
  private final Map<String, ReasoningRequest> requests = new LinkedHashMap<>();
  private final Map<String, List<StepText>> scripts = new LinkedHashMap<>();
  private final Map<String, Integer> written = new LinkedHashMap<>();
  final List<ReasoningRequest> submitted = new ArrayList<>();
  final Set<String> cancelled = new HashSet<>();
  private int refusalsLeft;
  private Runnable whileRefusing = () -> {};
  private RuntimeException failure;
  private RuntimeException versionFailure;
  /** The candidate that answers {@link #shadowed} questions in the shadow, and the version of each request. */
  private String candidate;
  private Set<String> shadowed = Set.of();
  private final Map<String, String> versionOf = new LinkedHashMap<>();

  @Override
  public boolean submit(ReasoningRequest request, TraceListener listener, Duration timeout) {
    if (failure != null) {
      throw failure;
    }
    if (refusalsLeft > 0) {
      refusalsLeft--;
      whileRefusing.run();
      return false;
    }
    submitted.add(request);
    versionOf.putIfAbsent(request.id(), VERSION);
    requests.put(request.id(), request);
    running.put(request.id(), listener);
    written.put(request.id(), 0);
    return true;
  }

  /** {@code version} runs beside {@link #VERSION} and answers these questions in the shadow. */
  void shadow(String version, Set<String> questionIds) {
    candidate = version;
    shadowed = Set.copyOf(questionIds);
  }

  @Override
  public Optional<String> shadowVersionFor(String questionId) {
    return candidate != null && shadowed.contains(questionId) ? Optional.of(candidate) : Optional.empty();
  }

  @Override
  public boolean submitTo(String version, ReasoningRequest request, TraceListener listener, Duration timeout) {
    if (!version.equals(VERSION) && !version.equals(candidate)) {
      throw new IllegalStateException("model version " + version + " is not loaded");
    }
    versionOf.put(request.id(), version);
    boolean accepted = submit(request, listener, timeout);
    if (!accepted) {
      versionOf.remove(request.id());
    }
    return accepted;
  }

  /** The steps the model writes for one question (after its given steps), instead of the {@link #SCRIPT}. */
  void script(String id, List<StepText> steps) {
    scripts.put(id, List.copyOf(steps));
  }

  /** The next {@code n} submissions find the queue full; {@code meanwhile} runs at each refusal. */
  void refuse(int n, Runnable meanwhile) {
    refusalsLeft = n;
    whileRefusing = meanwhile;
  }

  void failEverySubmission(RuntimeException e) {
    failure = e;
  }

  /** The next call of {@link #modelVersion()} throws (once). */
  void failNextVersionLookup(RuntimeException e) {
    versionFailure = e;
  }

  /** The model reports this step, whatever it holds (a bug's output, for the poison tests). */
  void writeStep(String id, Step step) {
    listener(id).onStep(step);
  }

  /** The model reports this trace as finished, whatever it holds. */
  void finishWith(String id, Trace trace) {
    listener(id).onFinished(trace);
    running.remove(id);
  }

  /** The model writes the next {@code n} steps of a question's script. */
  void write(String id, int n) {
    TraceListener l = listener(id);
    int from = written.get(id);
    for (int i = from; i < from + n; i++) {
      l.onStep(stepOf(id, i));
    }
    written.put(id, from + n);
  }

  /** The model writes the rest of the script and the answer. */
  void finish(String id) {
    int length = traceLength(id);
    write(id, length - written.get(id));
    List<Step> steps = new ArrayList<>();
    for (int i = 0; i < length; i++) {
      steps.add(stepOf(id, i));
    }
    steps.add(new Step(length, StepKind.ANSWER, "The answer is: True", 5, T, T.plusMillis(50)));
    listener(id).onFinished(new Trace(id, steps, Optional.of("True"), Trace.Status.OK, Optional.empty(), 12, 42,
        versionOf.getOrDefault(id, VERSION), T.plusMillis(60)));
    running.remove(id);
  }

  /** The model fails half-way through a question. */
  void fail(String id, String error) {
    listener(id).onFinished(new Trace(id, List.of(), Optional.empty(), Trace.Status.FAILED, Optional.of(error), 12, 0,
        VERSION, T.plusMillis(60)));
    running.remove(id);
  }

  /** Step {@code index} of a running question's trace: a given step, or one of its script. */
  Step stepOf(String id, int index) {
    List<StepText> given = requests.get(id).givenSteps();
    if (index < given.size()) {
      return Step.given(index, given.get(index), T);
    }
    List<StepText> script = scripts.get(id);
    if (script == null) {
      Step scripted = step(id, index - given.size());
      return new Step(index, scripted.kind(), scripted.text(), 7, T.plusMillis(10L * index),
          T.plusMillis(10L * index + 9));
    }
    StepText s = script.get(index - given.size());
    return new Step(index, s.kind(), s.text(), 7, T.plusMillis(10L * index), T.plusMillis(10L * index + 9));
  }

  private int traceLength(String id) {
    return requests.get(id).givenSteps().size() + (scripts.containsKey(id) ? scripts.get(id).size() : SCRIPT.size());
  }

  static Step step(String id, int index) {
    return new Step(index, SCRIPT.get(index), SCRIPT.get(index).name().toLowerCase() + " " + index + " of " + id,
        7, T.plusMillis(10L * index), T.plusMillis(10L * index + 9));
  }

  private TraceListener listener(String id) {
    TraceListener l = running.get(id);
    if (l == null) {
      throw new IllegalStateException("question " + id + " is not running");
    }
    return l;
  }

  @Override
  public void cancel(String requestId) {
    cancelled.add(requestId);
    running.remove(requestId);
  }

  @Override
  public String modelVersion() {
    RuntimeException e = versionFailure;
    versionFailure = null;
    if (e != null) {
      throw e;
    }
    return VERSION;
  }

  @Override
  public void close() {}
}
