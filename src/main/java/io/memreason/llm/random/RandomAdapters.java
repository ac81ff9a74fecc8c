package io.memreason.llm.random;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.memreason.llm.adapter.LoraAdapter;
import io.memreason.llm.adapter.LoraPair;
import io.memreason.llm.adapter.LoraTarget;
import io.memreason.llm.adapter.StepTokenVocabulary;
import io.memreason.llm.adapter.StepTokenWeights;
import io.memreason.llm.adapter.TargetModules;
import io.memreason.llm.model.LlamaConfig;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Random model versions for a base of a given shape: LoRA factors on chosen projections and step-token rows, drawn
 * from a seed (both factors non-zero, so an adapter really changes the model). For benchmarks and tests.
 */
public final class RandomAdapters {
  private RandomAdapters() {}

  /** A LoRA adapter of rank {@code rank} on {@code targets} of every layer, factors from N(0, std²). */
  public static LoraAdapter lora(LlamaConfig config, Set<LoraTarget> targets, int rank, double alpha, long seed,
                                 double std, NDManager manager) {
    SplittableRandom random = new SplittableRandom(seed);
    List<Map<LoraTarget, LoraPair>> layers = new ArrayList<>();
    for (int l = 0; l < config.layers(); l++) {
      Map<LoraTarget, LoraPair> factors = new EnumMap<>(LoraTarget.class);
      for (LoraTarget t : targets) {
        int in = t.inFeatures(config);
        int out = t.outFeatures(config);
        factors.put(t, new LoraPair(manager.create(gaussian(random, rank * in, std), new Shape(rank, in)),
            manager.create(gaussian(random, out * rank, std), new Shape(out, rank))));
      }
      layers.add(factors);
    }
    List<String> names = targets.stream().map(LoraTarget::moduleName).toList();
    return new LoraAdapter(new LoraAdapter.Settings(rank, alpha, false, 0, TargetModules.of(names)), layers);
  }

  /** Step-token rows for {@code vocabulary}: input and output rows from N(0, std²), a bias from N(0, 0.5²). */
  public static StepTokenWeights stepTokens(StepTokenVocabulary vocabulary, int hidden, long seed, double std,
                                            NDManager manager) {
    SplittableRandom random = new SplittableRandom(seed);
    int n = vocabulary.tokens().size();
    return new StepTokenWeights(vocabulary, manager.create(gaussian(random, n * hidden, std), new Shape(n, hidden)),
        manager.create(gaussian(random, n * hidden, std), new Shape(n, hidden)),
        manager.create(gaussian(random, n, 0.5), new Shape(n)));
  }

  private static float[] gaussian(SplittableRandom random, int n, double std) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (random.nextGaussian() * std);
    }
    return v;
  }
}
