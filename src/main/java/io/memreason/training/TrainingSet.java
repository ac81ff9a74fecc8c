package io.memreason.training;

import io.memreason.reasoning.TraceTemplate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/** The training texts of one run, in training order. */
public record TrainingSet(List<TrainingText> texts) {

  public TrainingSet {
    texts = List.copyOf(texts);
  }

  /**
   * The training texts of seed items. Items without chain-of-thought steps are left out, as the reference's
   * loader leaves them out.
   */
  public static TrainingSet fromSeed(List<SeedExample> examples, TraceTemplate template) {
    return new TrainingSet(examples.stream().filter(SeedExample::hasChainOfThought)
        .map(example -> TrainingText.fromSeed(example, template)).toList());
  }

  /**
   * The same texts in an order drawn from {@code seed}: the same seed gives the same order on every JVM
   * ({@link java.util.Random} and {@link Collections#shuffle} are specified exactly). It is not the order of the
   * reference's PyTorch sampler.
   */
  public TrainingSet shuffled(long seed) {
    List<TrainingText> order = new ArrayList<>(texts);
    Collections.shuffle(order, new Random(seed));
    return new TrainingSet(order);
  }

  /** Every text tokenized, in order. */
  public List<TrainingSequence> encode(SequenceFormat format, TokenEncoder encoder) {
    return texts.stream().map(text -> format.encode(text, encoder)).toList();
  }

  public int size() {
    return texts.size();
  }
}
