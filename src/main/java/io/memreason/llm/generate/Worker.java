package io.memreason.llm.generate;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import io.memreason.llm.model.AdapterWeights;
import io.memreason.llm.model.KvCache;
import io.memreason.llm.model.LlamaModel;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One generator thread: a model replica (its own KV cache over the shared weights) running continuous
 * batching; the rows of a batch may belong to different model versions over the same base. Between decode steps it drops cancelled sequences, admits waiting ones into free slots (one
 * batched prefill), then decodes one token for every running sequence. Every pass runs in one NDScope, so no
 * native array outlives its step; only the cache persists.
 */
final class Worker implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
  private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
  /** How long an idle worker waits for a request before checking whether the generator closed. */
  private static final long IDLE_POLL_MILLIS = 100;
  /**
   * Most padded prompt tokens in one prefill pass: bounds the pass's attention scores and mask (they grow with
   * rows × length²). A longer prompt still runs, alone.
   */
  static final int PREFILL_TOKEN_BUDGET = 2048;

  private final Generator generator;
  private final LlamaModel model;
  private final Device device;
  private final GeneratorSettings settings;
  private final BlockingQueue<Sequence> queue;
  private final Set<Integer> eos;
  private final List<Sequence> active = new ArrayList<>();
  private Sequence carried;
  private KvCache cache;
  private volatile int liveArrays;

  Worker(Generator generator, LlamaModel model, Device device, GeneratorSettings settings,
         BlockingQueue<Sequence> queue, Set<Integer> eos) {
    this.generator = generator;
    this.model = model;
    this.device = device;
    this.settings = settings;
    this.queue = queue;
    this.eos = eos;
  }

  int liveArrays() {
    return liveArrays;
  }

  @Override
  public void run() {
    try (NDManager manager = NDManager.newBaseManager(device);
         KvCache kv = new KvCache(model.config(), manager, settings.maxBatch(), settings.maxTotalTokens(),
             model.weights().dtype())) {
      cache = kv;
      while (!generator.isClosed()) {
        dropCancelled();
        List<Sequence> joining = admit();
        if (!joining.isEmpty()) {
          prefill(joining);
        }
        if (!active.isEmpty()) {
          decode();
        }
        liveArrays = manager.getManagedArrays().size();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      LOG.error("generator worker {} stopped", Thread.currentThread().getName(), e);
      failActive(e);
    } finally {
      IllegalStateException closed = new IllegalStateException("the generator was closed before the request finished");
      failActive(closed);
      if (carried != null) {
        if (carried.cancelled) {
          carried.drop();
        } else {
          finish(carried, FinishReason.FAILED, closed);
        }
      }
      liveArrays = 0;
    }
  }

  /** Waiting requests for the free slots; blocks only while nothing is running. */
  private List<Sequence> admit() throws InterruptedException {
    List<Sequence> joining = new ArrayList<>();
    int longest = 0;
    while (active.size() + joining.size() < settings.maxBatch()) {
      Sequence next = carried;
      carried = null;
      boolean idle = active.isEmpty() && joining.isEmpty();
      if (next == null) {
        next = idle ? queue.poll(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS) : queue.poll();
      }
      if (next == null) {
        if (idle && !generator.isClosed()) {
          continue;
        }
        break;
      }
      if (next.cancelled) {
        next.drop();
        continue;
      }
      int length = Math.max(longest, next.prompt().length);
      if (!joining.isEmpty() && length * (joining.size() + 1) > PREFILL_TOKEN_BUDGET) {
        carried = next;
        break;
      }
      joining.add(next);
      longest = length;
    }
    return joining;
  }

  private void prefill(List<Sequence> joining) {
    int first = active.size();
    int[][] prompts = new int[joining.size()][];
    long tokens = 0;
    for (int i = 0; i < prompts.length; i++) {
      prompts[i] = joining.get(i).prompt();
      tokens += prompts[i].length;
    }
    long start = System.nanoTime();
    long cpuStart = CPU.getCurrentThreadCpuTime();
    int[] next;
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      next = choose(model.prefill(cache, first, prompts, adapters(joining)), joining);
    } catch (RuntimeException e) {
      for (int i = 0; i < joining.size(); i++) {
        cache.clear(first + i);
        finish(joining.get(i), FinishReason.FAILED, e);
      }
      return;
    }
    generator.recordPrefill(tokens, System.nanoTime() - start, CPU.getCurrentThreadCpuTime() - cpuStart);
    active.addAll(joining);
    accept(first, next);
    removeFinished();
  }

  private void decode() {
    int[] inputs = new int[active.size()];
    for (int i = 0; i < inputs.length; i++) {
      inputs[i] = active.get(i).lastToken();
    }
    long start = System.nanoTime();
    long cpuStart = CPU.getCurrentThreadCpuTime();
    int[] next;
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      next = choose(model.decode(cache, inputs, adapters(active)), active);
    } catch (RuntimeException e) {
      failActive(e);
      return;
    }
    generator.recordDecode(inputs.length, System.nanoTime() - start, CPU.getCurrentThreadCpuTime() - cpuStart);
    accept(0, next);
    removeFinished();
  }

  /** The model version of each row. */
  private static List<AdapterWeights> adapters(List<Sequence> rows) {
    List<AdapterWeights> adapters = new ArrayList<>(rows.size());
    for (Sequence s : rows) {
      adapters.add(s.adapter());
    }
    return adapters;
  }

  /**
   * The next token of every row: an argmax in torch for greedy rows (no logits copied to Java), the
   * request's own sampler on its row of logits otherwise.
   */
  private int[] choose(NDArray logits, List<Sequence> rows) {
    int n = rows.size();
    int vocabulary = (int) logits.getShape().get(1);
    int[] next = new int[n];
    List<Integer> sampled = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (!rows.get(i).sampling().isGreedy()) {
        sampled.add(i);
      }
    }
    if (sampled.size() < n) {
      long[] argmax = logits.argMax(1).toLongArray();
      for (int i = 0; i < n; i++) {
        next[i] = (int) argmax[i];
      }
    }
    if (!sampled.isEmpty()) {
      float[] values;
      if (sampled.size() == n) {
        values = logits.toFloatArray();
      } else {
        long[] rowIds = sampled.stream().mapToLong(Integer::longValue).toArray();
        values = logits.get(new NDIndex("{}", logits.getManager().create(rowIds))).toFloatArray();
      }
      for (int j = 0; j < sampled.size(); j++) {
        Sequence s = rows.get(sampled.get(j));
        next[sampled.get(j)] = Sampler.sample(values, j * vocabulary, vocabulary, s.sampling(), s.random());
      }
    }
    return next;
  }

  /** Hands each row its token and decides whether it stops. */
  private void accept(int firstRow, int[] tokens) {
    for (int i = 0; i < tokens.length; i++) {
      Sequence s = active.get(firstRow + i);
      if (s.cancelled) {
        s.drop();
        continue;
      }
      int token = tokens[i];
      try {
        s.listener.onToken(token, s.append(token));
      } catch (RuntimeException e) {
        finish(s, FinishReason.FAILED, e);
        continue;
      }
      if (eos.contains(token)) {
        finish(s, FinishReason.EOS, null);
      } else if (s.generatedCount() >= s.request.maxNewTokens()) {
        finish(s, FinishReason.MAX_NEW_TOKENS, null);
      } else if (s.totalLength() >= settings.maxTotalTokens()) {
        finish(s, FinishReason.MAX_LENGTH, null);
      }
    }
  }

  private void dropCancelled() {
    boolean any = false;
    for (Sequence s : active) {
      if (s.cancelled) {
        s.drop();
        any = true;
      }
    }
    if (any) {
      removeFinished();
    }
  }

  /** Removes finished rows, moving the last running sequence into each freed slot to keep slots [0, n) busy. */
  private void removeFinished() {
    for (int r = active.size() - 1; r >= 0; r--) {
      if (active.get(r).isDone()) {
        int last = active.size() - 1;
        if (r != last) {
          cache.moveSlot(last, r);
          active.set(r, active.remove(last));
        } else {
          active.remove(last);
          cache.clear(r);
        }
      }
    }
  }

  private void failActive(Throwable error) {
    for (Sequence s : active) {
      if (!s.isDone()) {
        finish(s, FinishReason.FAILED, error);
      }
    }
    active.clear();
    if (cache != null) {
      for (int slot = 0; slot < cache.slots(); slot++) {
        cache.clear(slot);
      }
    }
  }

  private void finish(Sequence s, FinishReason reason, Throwable error) {
    generator.finished(s, s.complete(reason, error));
  }
}
