package io.memreason.registry;

import io.memreason.reasoning.Reasoner;
import io.memreason.reasoning.ReasoningRequest;
import io.memreason.reasoning.Step;
import io.memreason.reasoning.Trace;
import io.memreason.reasoning.TraceListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Reasoner} the pipeline talks to while model versions change under it. It holds the serving version's
 * reasoner; {@link #swapTo} makes a freshly loaded one serve every request submitted from then on, while the old one
 * finishes the requests it already has (queued or being generated) on the version they started with, and is closed
 * when its last one finishes or is cancelled. The switch is a reference change between two submissions, so no request
 * is lost, none is answered twice, and the stream never waits for a model to load.
 *
 * <p>A candidate can run beside the serving version as a canary ({@link #startCanary}): a share of the questions,
 * chosen by a hash of the question id ({@link CanaryRouting}), goes to it, so a question resubmitted after a crash goes
 * to the same version again. Promoting the canary ({@link #swapTo} of its version)
 * needs no load; dropping it ({@link #endCanary}) lets it finish what it has, like a swap.
 *
 * <p>While a canary runs, a sample of the questions the serving version answers ({@link ShadowSampling}) is also
 * answered by the canary in the shadow: {@link #shadowVersionFor} names it, and the pipeline submits the shadow request
 * with {@link #submitTo}.
 */
public final class SwappableReasoner implements Reasoner {
  private static final Logger log = LoggerFactory.getLogger(SwappableReasoner.class);

  /** One loaded version and the requests it still owes an answer. */
  private static final class Generation {
    final String version;
    final Reasoner reasoner;
    final Set<String> live = ConcurrentHashMap.newKeySet();
    boolean retired;
    boolean closed;

    Generation(String version, Reasoner reasoner) {
      this.version = version;
      this.reasoner = reasoner;
    }
  }

  private final Map<String, Generation> ownerOf = new ConcurrentHashMap<>();
  /** Retired versions are closed here: a generator cannot be closed from one of its own threads. */
  private final ExecutorService closer = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "memreason-model-closer");
    t.setDaemon(true);
    return t;
  });
  private final List<Generation> retiring = new ArrayList<>();
  private Generation current;
  /** The candidate answering a share of the questions, if any. */
  private Generation canary;
  private CanaryRouting routing = CanaryRouting.NONE;
  private final ShadowSampling shadow;

  /** Serves {@code reasoner} as version {@code version}, with no shadow traffic; this takes ownership of it. */
  public SwappableReasoner(String version, Reasoner reasoner) {
    this(version, reasoner, ShadowSampling.NONE);
  }

  /** Serves {@code reasoner} as version {@code version}; a canary also answers {@code shadow}'s sample. */
  public SwappableReasoner(String version, Reasoner reasoner, ShadowSampling shadow) {
    this.current = new Generation(version, reasoner);
    this.shadow = shadow;
  }

  @Override
  public boolean submit(ReasoningRequest request, TraceListener listener, Duration timeout)
      throws InterruptedException {
    Generation g;
    // Registered under the lock that swapTo takes, so a version is never closed between being picked and being used.
    synchronized (this) {
      g = routing.toCanary(request.id()) ? canary : current;
      g.live.add(request.id());
      ownerOf.put(request.id(), g);
    }
    return submitTo(g, request, listener, timeout);
  }

  /** The version that answers this question now: the canary for its share of the ids, else the serving version. */
  @Override
  public synchronized String modelVersionFor(String questionId) {
    return routing.toCanary(questionId) ? canary.version : current.version;
  }

  /**
   * The canary, when one runs and this question is in the shadow sample and the serving version answers it (a
   * question the canary serves has no shadow: it would be the same version).
   */
  @Override
  public synchronized Optional<String> shadowVersionFor(String questionId) {
    if (canary == null || routing.toCanary(questionId) || !shadow.sampled(questionId)) {
      return Optional.empty();
    }
    return Optional.of(canary.version);
  }

  /** Whether a canary here also answers a sample of the questions in the shadow. */
  public boolean shadows() {
    return shadow.share() > 0;
  }

  /**
   * Submits to the loaded version {@code version}: the canary, the serving version, or one still finishing its
   * questions (a shadow request restored after the canary was promoted).
   */
  @Override
  public boolean submitTo(String version, ReasoningRequest request, TraceListener listener, Duration timeout)
      throws InterruptedException {
    Generation g;
    synchronized (this) {
      g = canary != null && canary.version.equals(version) ? canary
          : current.version.equals(version) ? current : null;
      if (g == null) {
        throw new IllegalStateException("model version " + version + " is not loaded here any more; "
            + current.version + " serves" + (canary == null ? "" : ", " + canary.version + " is the canary"));
      }
      g.live.add(request.id());
      ownerOf.put(request.id(), g);
    }
    return submitTo(g, request, listener, timeout);
  }

  /** The canary's routing, if a canary runs. */
  public synchronized Optional<CanaryRouting> canary() {
    return canary == null ? Optional.empty() : Optional.of(routing);
  }

  /** The canary's version, if a canary runs. */
  public synchronized Optional<String> canaryVersion() {
    return canary == null ? Optional.empty() : Optional.of(canary.version);
  }

  private boolean submitTo(Generation g, ReasoningRequest request, TraceListener listener, Duration timeout)
      throws InterruptedException {
    boolean accepted = false;
    try {
      accepted = g.reasoner.submit(request, new Finishing(listener, g, request.id()), timeout);
      return accepted;
    } finally {
      if (!accepted) {
        forget(g, request.id());
      }
    }
  }

  @Override
  public void cancel(String requestId) {
    Generation g = ownerOf.get(requestId);
    if (g != null) {
      g.reasoner.cancel(requestId);
      forget(g, requestId);
    }
  }

  @Override
  public synchronized String modelVersion() {
    return current.version;
  }

  /**
   * Makes {@code next} serve every request submitted from now on, as version {@code version}; this takes ownership of
   * it. The previous version finishes what it has and is closed in the background.
   */
  public void swapTo(String version, Reasoner next) {
    Generation old;
    synchronized (this) {
      old = current;
      current = new Generation(version, next);
      old.retired = true;
      retiring.add(old);
    }
    log.info("model version {} serves new questions; {} finishes its {} in flight", version, old.version,
        old.live.size());
    closeIfIdle(old);
  }

  /**
   * Makes the running canary the serving version (nothing is loaded): every question goes to it from now on, and the
   * previous version finishes what it has.
   *
   * @return false when {@code version} is not the running canary
   */
  public boolean promoteCanary(String version) {
    Generation old;
    synchronized (this) {
      if (canary == null || !canary.version.equals(version)) {
        return false;
      }
      old = current;
      current = canary;
      canary = null;
      routing = CanaryRouting.NONE;
      old.retired = true;
      retiring.add(old);
    }
    log.info("canary model version {} promoted: it serves every question; {} finishes its {} in flight", version,
        old.version, old.live.size());
    closeIfIdle(old);
    return true;
  }

  /**
   * Starts {@code candidate} as a canary (this takes ownership of it): {@code routing} says which questions it answers.
   * A canary already running is ended first.
   */
  public void startCanary(String version, Reasoner candidate, CanaryRouting routing) {
    endCanary();
    synchronized (this) {
      this.canary = new Generation(version, candidate);
      this.routing = routing;
    }
    log.info("model version {} runs as a canary beside {}: {}", version, modelVersion(), routing);
  }

  /** Ends the canary, if one runs: its share goes back to the serving version; it finishes what it has. */
  public void endCanary() {
    Generation ended;
    synchronized (this) {
      ended = canary;
      if (ended == null) {
        return;
      }
      canary = null;
      routing = CanaryRouting.NONE;
      ended.retired = true;
      retiring.add(ended);
    }
    log.info("canary model version {} ended; it finishes its {} in flight", ended.version, ended.live.size());
    closeIfIdle(ended);
  }

  /** The share of the questions routed to {@code version} now: the canary's share, the rest, or 0. */
  public synchronized double shareOf(String version) {
    double toCanary = canary == null ? 0 : routing.share();
    if (canary != null && canary.version.equals(version)) {
      return toCanary;
    }
    return current.version.equals(version) ? 1 - toCanary : 0;
  }

    /** The versions loaded now: the serving one last, before it those still finishing their questions. */
  public synchronized List<String> loadedVersions() {
    List<String> loaded = new ArrayList<>();
    retiring.stream().filter(g -> !g.closed).forEach(g -> loaded.add(g.version));
    if (canary != null) {
      loaded.add(canary.version);
    }
    loaded.add(current.version);
    return loaded;
  }

  private void forget(Generation g, String requestId) {
    ownerOf.remove(requestId, g);
    g.live.remove(requestId);
    closeIfIdle(g);
  }

  private void closeIfIdle(Generation g) {
    synchronized (this) {
      if (!g.retired || g.closed || !g.live.isEmpty()) {
        return;
      }
      g.closed = true;
    }
    closer.execute(() -> {
      g.reasoner.close();
      synchronized (this) {
        retiring.remove(g);
      }
      log.info("model version {} closed: it owes no more answers", g.version);
    });
  }

  /** Closes every loaded version; questions still in flight finish as the underlying reasoners close them. */
  @Override
  public void close() {
    List<Generation> all;
    synchronized (this) {
      all = new ArrayList<>(retiring);
      all.add(current);
      if (canary != null) {
        all.add(canary);
        canary = null;
        routing = CanaryRouting.NONE;
      }
      all.forEach(g -> {
        g.retired = true;
        g.closed = true;
      });
      retiring.clear();
    }
    closer.shutdown();
    try {
      closer.awaitTermination(1, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    all.forEach(g -> g.reasoner.close());
  }

  /** Passes the trace on, then lets the version that wrote it go once it owes nothing more. */
  private final class Finishing implements TraceListener {
    private final TraceListener listener;
    private final Generation generation;
    private final String requestId;

    Finishing(TraceListener listener, Generation generation, String requestId) {
      this.listener = listener;
      this.generation = generation;
      this.requestId = requestId;
    }

    @Override
    public void onStep(Step step) {
      listener.onStep(step);
    }

    @Override
    public void onFinished(Trace trace) {
      try {
        listener.onFinished(trace);
      } finally {
        forget(generation, requestId);
      }
    }
  }
}
