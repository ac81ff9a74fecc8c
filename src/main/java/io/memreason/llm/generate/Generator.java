package io.memreason.llm.generate;

import io.memreason.llm.LanguageModel;
import io.memreason.llm.ModelAdapter;
import io.memreason.llm.tokenizer.IncrementalDecoder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Generates continuations for many requests at once: {@code workers} threads, each a model replica over the
 * shared weights with its own KV cache, each continuously batching up to {@code maxBatch} sequences (requests
 * join and leave between decode steps). Requests may name a model version loaded over the generator's base
 * ({@link GenerationRequest#adapter}): rows of different versions share a batch. Requests wait in one bounded queue; {@link #submit} blocks up to a
 * timeout while it is full (back-pressure). Tokens stream to each request's {@link TokenListener}.
 */
public final class Generator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Generator.class);

  private final LanguageModel model;
  private final GeneratorSettings settings;
  private final BlockingQueue<Sequence> queue;
  private final ConcurrentHashMap<String, Sequence> live = new ConcurrentHashMap<>();
  private final List<Worker> workers = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final LongAdder prefillTokens = new LongAdder();
  private final LongAdder prefillNanos = new LongAdder();
  private final LongAdder prefillCpuNanos = new LongAdder();
  private final LongAdder decodeTokens = new LongAdder();
  private final LongAdder decodeNanos = new LongAdder();
  private final LongAdder decodeCpuNanos = new LongAdder();
  private final LongAdder decodeSteps = new LongAdder();
  private final LongAdder finished = new LongAdder();
  private final LongAdder failed = new LongAdder();
  /** Hears the batch size of every decode step (metrics); set once, read by every worker. */
  private volatile IntConsumer decodeStepObserver = batch -> { };

  /** Starts the workers. The model must outlive the generator. */
  public Generator(LanguageModel model, GeneratorSettings settings) {
    if (settings.maxTotalTokens() > model.model().maxPositions()) {
      throw new IllegalArgumentException("max total tokens " + settings.maxTotalTokens() + " exceeds the "
          + model.model().maxPositions() + " positions the model was loaded for");
    }
    this.model = model;
    this.settings = settings;
    this.queue = new ArrayBlockingQueue<>(settings.queueCapacity() * settings.workers());
    Set<Integer> eos = new HashSet<>(model.defaults().eosTokenIds());
    for (int w = 0; w < settings.workers(); w++) {
      Worker worker = new Worker(this, model.model(), model.device(), settings, queue, Set.copyOf(eos));
      Thread thread = new Thread(worker, "memreason-generator-" + w);
      thread.setDaemon(true);
      workers.add(worker);
      threads.add(thread);
    }
    threads.forEach(Thread::start);
  }

  public GeneratorSettings settings() {
    return settings;
  }

  /**
   * Queues a request, waiting up to {@code timeout} for room.
   *
   * @return false if the queue stayed full (nothing was queued)
   * @throws IllegalArgumentException for a duplicate live id, a prompt that leaves no room to generate, or a
   *     token id outside the vocabulary
   */
  public boolean submit(GenerationRequest request, TokenListener listener, Duration timeout)
      throws InterruptedException {
    if (closed.get()) {
      throw new IllegalStateException("the generator is closed");
    }
    int[] prompt = request.prompt();
    if (prompt.length >= settings.maxTotalTokens()) {
      throw new IllegalArgumentException("request " + request.id() + " has a prompt of " + prompt.length
          + " tokens; sequences are limited to " + settings.maxTotalTokens() + " tokens (engine.max-total-tokens)");
    }
    Optional<ModelAdapter> version = request.adapter();
    int vocabulary = version.map(v -> model.model().vocabularySize(v.weights())).orElse(model.model().vocabularySize());
    for (int id : prompt) {
      if (id < 0 || id >= vocabulary) {
        throw new IllegalArgumentException("request " + request.id() + " has token id " + id
            + " outside the vocabulary [0, " + vocabulary + ")");
      }
    }
    boolean hasTokenizer = version.map(ModelAdapter::hasTokenizer).orElse(model.hasTokenizer());
    Optional<IncrementalDecoder> decoder = hasTokenizer ? Optional.of(new IncrementalDecoder(
        version.map(ModelAdapter::tokenizer).orElseGet(model::tokenizer), prompt)) : Optional.empty();
    version.ifPresent(ModelAdapter::retain);
    Sequence s = new Sequence(request, listener, decoder);
    if (live.putIfAbsent(request.id(), s) != null) {
      s.releaseAdapter();
      throw new IllegalArgumentException("request id " + request.id() + " is already queued or running");
    }
    if (!queue.offer(s, timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      live.remove(request.id(), s);
      s.releaseAdapter();
      return false;
    }
    if (closed.get() && queue.remove(s)) {
      live.remove(request.id(), s);
      s.releaseAdapter();
      throw new IllegalStateException("the generator is closed");
    }
    return true;
  }

  /**
   * Stops a request that is queued or running; its listener hears nothing more.
   *
   * @return false if no such request is live (unknown or already finished)
   */
  public boolean cancel(String requestId) {
    Sequence s = live.remove(requestId);
    if (s == null) {
      return false;
    }
    s.cancelled = true;
    if (queue.remove(s)) {
      s.releaseAdapter();
    }
    return true;
  }

  /** Requests queued or running. */
  public int liveRequests() {
    return live.size();
  }

  public GeneratorStats stats() {
    int arrays = model.nativeArrayCount() + workers.stream().mapToInt(Worker::liveArrays).sum();
    return new GeneratorStats(prefillTokens.sum(), prefillNanos.sum(), prefillCpuNanos.sum(), decodeTokens.sum(),
        decodeNanos.sum(), decodeCpuNanos.sum(), decodeSteps.sum(), finished.sum(), failed.sum(), arrays);
  }

  boolean isClosed() {
    return closed.get();
  }

  void recordPrefill(long tokens, long nanos, long cpuNanos) {
    prefillTokens.add(tokens);
    prefillNanos.add(nanos);
    prefillCpuNanos.add(cpuNanos);
  }

  /**
   * Tells {@code observer} the number of sequences of every decode step from now on (called on worker threads:
   * it must be quick and thread-safe, e.g. a metrics summary).
   */
  public Generator observeDecodeSteps(IntConsumer observer) {
    this.decodeStepObserver = observer;
    return this;
  }

  void recordDecode(long tokens, long nanos, long cpuNanos) {
    decodeStepObserver.accept((int) tokens);
    decodeTokens.add(tokens);
    decodeNanos.add(nanos);
    decodeCpuNanos.add(cpuNanos);
    decodeSteps.increment();
  }

  /** Called by a worker when a sequence ends (not when it is cancelled). */
  void finished(Sequence s, Completion completion) {
    live.remove(s.request.id(), s);
    if (completion.reason() == FinishReason.FAILED) {
      failed.increment();
    } else {
      finished.increment();
    }
    try {
      s.listener.onFinished(completion);
    } catch (RuntimeException e) {
      LOG.warn("listener of request {} failed in onFinished", s.request.id(), e);
    }
  }

  /**
   * Stops the workers: queued and running requests finish as FAILED with an {@link IllegalStateException};
   * waits for the workers to release their native memory.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    boolean interrupted = false;
    for (Thread t : threads) {
      while (t.isAlive()) {
        try {
          t.join();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    IllegalStateException closedError = new IllegalStateException("the generator was closed before the request started");
    for (Sequence s = queue.poll(); s != null; s = queue.poll()) {
      s.releaseAdapter();
      if (!s.cancelled) {
        finished(s, s.complete(FinishReason.FAILED, closedError));
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
