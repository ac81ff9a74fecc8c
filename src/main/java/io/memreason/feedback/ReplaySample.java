package io.memreason.feedback;

import io.memreason.training.SeedExample;
import io.memreason.training.SeedFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A seeded draw from the original training data ({@code retrain.replay-data}), trained on beside the labelled traces.
 * Items without chain-of-thought steps are not drawn, as the trainer would leave them out.
 */
final class ReplaySample {
  private ReplaySample() {}

  static List<SeedExample> draw(List<Path> files, int size, long seed) {
    List<SeedExample> pool = new ArrayList<>();
    for (Path file : files) {
      try {
        SeedFile.read(file).stream().filter(SeedExample::hasChainOfThought).forEach(pool::add);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read replay data " + file + " (retrain.replay-data): "
            + e.getMessage(), e);
      }
    }
    Collections.shuffle(pool, new Random(seed));
    return List.copyOf(pool.subList(0, Math.min(size, pool.size())));
  }
}
