package io.memreason.llm.generate;

import io.memreason.llm.ModelAdapter;
import io.memreason.llm.model.AdapterWeights;
import io.memreason.llm.tokenizer.IncrementalDecoder;
import java.util.Arrays;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/** One request while it waits and runs: its tokens so far, its random generator, its text decoder. */
final class Sequence {
  final GenerationRequest request;
  final TokenListener listener;
  private final int[] prompt;
  private final SplittableRandom random;
  private final Optional<IncrementalDecoder> decoder;
  private final StringBuilder text = new StringBuilder();
  private int[] generated = new int[16];
  private int count;
  /** Set by {@link Generator#cancel} on any thread; the worker drops the sequence silently. */
  volatile boolean cancelled;
  private boolean done;
  /** Whether this sequence still holds its version ({@link ModelAdapter#retain}); given back exactly once. */
  private final AtomicBoolean holdsAdapter;
  private final AdapterWeights adapter;

  /** The caller has retained the request's adapter, if any, for this sequence. */
  Sequence(GenerationRequest request, TokenListener listener, Optional<IncrementalDecoder> decoder) {
    this.request = request;
    this.listener = listener;
    this.prompt = request.prompt();
    this.random = new SplittableRandom(request.sampling().seed());
    this.decoder = decoder;
    this.holdsAdapter = new AtomicBoolean(request.adapter().isPresent());
    this.adapter = request.adapter().map(ModelAdapter::weights).orElse(AdapterWeights.NONE);
  }

  /** The version's parts this sequence runs with. */
  AdapterWeights adapter() {
    return adapter;
  }

  /** Lets go of the version once no pass will read its weights for this sequence again; idempotent. */
  void releaseAdapter() {
    if (holdsAdapter.compareAndSet(true, false)) {
      request.adapter().ifPresent(ModelAdapter::release);
    }
  }

  int[] prompt() {
    return prompt;
  }

  SamplingParams sampling() {
    return request.sampling();
  }

  SplittableRandom random() {
    return random;
  }

  /** The token the next decode step feeds in: the latest generated one. */
  int lastToken() {
    return generated[count - 1];
  }

  int generatedCount() {
    return count;
  }

  int totalLength() {
    return prompt.length + count;
  }

  /** Records a generated token and returns the text it made stable. */
  String append(int token) {
    if (count == generated.length) {
      generated = Arrays.copyOf(generated, count * 2);
    }
    generated[count++] = token;
    String piece = decoder.map(d -> d.add(token)).orElse("");
    text.append(piece);
    return piece;
  }

  boolean isDone() {
    return done;
  }

  /**
   * Marks the sequence finished and returns its completion (the decoder's held-back text included). Called once no
   * pass will read it again, so its version may go.
   */
  Completion complete(FinishReason reason, Throwable error) {
    done = true;
    // The held-back text is decoded with the version's tokenizer, which goes with the version's last reference.
    decoder.ifPresent(d -> text.append(d.finish()));
    releaseAdapter();
    return new Completion(request.id(), reason, prompt.length, Arrays.copyOf(generated, count), text.toString(),
        Optional.ofNullable(error));
  }

  /** Marks the sequence finished without a completion (cancelled). */
  void drop() {
    done = true;
    releaseAdapter();
  }
}
