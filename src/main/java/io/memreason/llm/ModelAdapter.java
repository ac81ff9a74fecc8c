package io.memreason.llm;

import ai.djl.ndarray.NDManager;
import io.memreason.llm.adapter.StepTokenVocabulary;
import io.memreason.llm.model.AdapterWeights;
import io.memreason.llm.tokenizer.TextTokenizer;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One model version loaded over a shared {@link LanguageModel} base ({@link LanguageModel#adapt}): only its LoRA
 * factors (unmerged), its step-token rows and its tokenizer, in native memory of its own. Requests of many versions
 * run in the same batches ({@link io.memreason.llm.generate.GenerationRequest#adapter}).
 *
 * <p>Closing it is safe while requests still run on it: the native memory is freed when the last one lets go
 * ({@link #retain}/{@link #release}), so dropping a version never waits for, or pauses, the others.
 */
public final class ModelAdapter implements AutoCloseable {
  private final NDManager manager;
  private final AdapterWeights weights;
  private final Optional<TextTokenizer> tokenizer;
  private final Optional<StepTokenVocabulary> stepTokens;
  private final int firstStepTokenId;
  private final String description;
  /** The owner's reference plus one per request using the weights; the memory goes when it reaches 0. */
  private final AtomicInteger users = new AtomicInteger(1);
  private final AtomicBoolean closed = new AtomicBoolean();
  private final long nativeBytes;

  ModelAdapter(NDManager manager, AdapterWeights weights, Optional<TextTokenizer> tokenizer,
               Optional<StepTokenVocabulary> stepTokens, int firstStepTokenId, String description) {
    this.manager = manager;
    this.weights = weights;
    this.tokenizer = tokenizer;
    this.stepTokens = stepTokens;
    this.firstStepTokenId = firstStepTokenId;
    this.description = description;
    this.nativeBytes = manager.getManagedArrays().stream()
        .mapToLong(a -> a.getShape().size() * a.getDataType().getNumOfBytes()).sum();
  }

  public AdapterWeights weights() {
    return weights;
  }

  /** The version's tokenizer (its own folder's, or the base model's), with its step tokens. */
  public TextTokenizer tokenizer() {
    return tokenizer.orElseThrow(() -> new CheckpointException(description + " has no tokenizer.json"));
  }

  public boolean hasTokenizer() {
    return tokenizer.isPresent();
  }

  public Optional<StepTokenVocabulary> stepTokens() {
    return stepTokens;
  }

  /** Id of the first step token (the base embedding's row count). */
  public int firstStepTokenId() {
    return firstStepTokenId;
  }

  /** Bytes of native memory this version adds to the base. */
  public long nativeBytes() {
    return nativeBytes;
  }

  /**
   * Takes a reference for a request that will read the weights.
   *
   * @throws IllegalStateException when the owner closed the version already, even while earlier requests still run
   *     on it: a dropped version takes no new request
   */
  public void retain() {
    while (true) {
      int n = users.get();
      if (n <= 0 || closed.get()) {
        throw new IllegalStateException("model version " + description + " is closed");
      }
      if (users.compareAndSet(n, n + 1)) {
        return;
      }
    }
  }

  /** Gives back a reference taken with {@link #retain}. */
  public void release() {
    if (users.decrementAndGet() == 0) {
      tokenizer.ifPresent(TextTokenizer::close);
      manager.close();
    }
  }

  /** Whether the native memory is gone: the owner closed the version and its last request ended. */
  public boolean isFreed() {
    return users.get() == 0;
  }

  /** The owner lets go; the memory is freed now, or when the last request on it ends. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      release();
    }
  }

  @Override
  public String toString() {
    return description;
  }
}
