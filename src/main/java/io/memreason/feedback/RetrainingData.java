package io.memreason.feedback;

import io.memreason.training.SeedExample;
import java.util.List;

/**
 * What a retraining learns from: the labelled traces of feedback and a replay sample of the original training data,
 * which keeps the model from forgetting what it knew while it learns the corrections.
 */
public record RetrainingData(List<LabelledTrace> traces, List<SeedExample> replay) {
  public RetrainingData {
    traces = List.copyOf(traces);
    replay = List.copyOf(replay);
  }
}
