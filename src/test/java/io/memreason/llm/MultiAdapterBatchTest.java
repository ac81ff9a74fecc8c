package io.memreason.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import io.memreason.llm.LanguageModel.LoadOptions;
import io.memreason.llm.adapter.LoraTarget;
import io.memreason.llm.adapter.StepTokenVocabulary;
import io.memreason.llm.model.AdapterWeights;
import io.memreason.llm.model.KvCache;
import io.memreason.llm.model.LlamaConfig;
import io.memreason.llm.model.LlamaModel;
import io.memreason.llm.random.RandomAdapters;
import io.memreason.llm.weights.WeightLoader.LoraMode;
import io.memreason.reasoning.StepTokens;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three versions over one base in one batch: each row's logits, through prefill and decode, equal those of its version
 * loaded alone the usual way (LoRA merged into its own copy of the weights, step tokens appended to the tables).
 */
class MultiAdapterBatchTest {
  /** The bound for a row of a mixed batch against its version served alone. */
  static final double TOLERANCE = 1e-4;
  static final StepTokenVocabulary STEPS = StepTokens.of(1, 2).vocabulary();

  @TempDir
  static Path dir;
  static Path base;
  static List<Path> versions;

  @BeforeAll
  static void writeBaseAndVersions() {
    base = TinyModels.write(dir.resolve("base"));
    LlamaConfig config = LlamaConfig.read(base);
    // Different targets and ranks: attention q/v at r 4, the MLP at r 8, all seven at r 2.
    versions = List.of(
        version(config, "attn", EnumSet.of(LoraTarget.Q, LoraTarget.V), 4, 11),
        version(config, "mlp", EnumSet.of(LoraTarget.GATE, LoraTarget.UP, LoraTarget.DOWN), 8, 12),
        version(config, "all", EnumSet.allOf(LoraTarget.class), 2, 13));
  }

  private static Path version(LlamaConfig config, String name, Set<LoraTarget> targets, int rank, long seed) {
    Path folder = dir.resolve(name);
    try (NDManager m = NDManager.newBaseManager()) {
      RandomAdapters.lora(config, targets, rank, 2.0 * rank, seed, 0.2, m).write(folder, "tiny");
      RandomAdapters.stepTokens(STEPS, config.hiddenSize(), seed + 100, 0.05, m).write(folder);
    }
    return folder;
  }

  @Test
  void everyRowOfAMixedBatchHasTheLogitsOfItsVersionServedAlone() {
    int v = LlamaConfig.read(base).vocabSize();
    // Prompts with step-token ids in them; rows interleave the versions (0, 1, 2, 0, 1, 2).
    int[][] prompts = {
        {1, 40, v, 41, v + 3, 90}, {1, 7, 7, v + 1, 300}, {1, v + 4, 12, 13, 14, 15, 16},
        {1, 250, 251}, {1, v + 2, 60, v + 5}, {1, 99}};
    int[] versionOfRow = {0, 1, 2, 0, 1, 2};
    int steps = 5;
    float[][][] alone = new float[prompts.length][][];
    int[][] fed = new int[prompts.length][steps];
    for (int r = 0; r < prompts.length; r++) {
      try (LanguageModel lm = LanguageModel.load(base,
          LoadOptions.cpu(32).withAdapter(versions.get(versionOfRow[r]), LoraMode.MERGED))) {
        alone[r] = greedy(lm.model(), prompts[r], steps, fed[r]);
      }
    }
    double worst = 0;
    try (LanguageModel shared = LanguageModel.loadBase(base, LoadOptions.cpu(32))) {
      List<ModelAdapter> loaded = new ArrayList<>();
      versions.forEach(f -> loaded.add(shared.adapt(Optional.of(f))));
      List<AdapterWeights> rows = new ArrayList<>();
      for (int version : versionOfRow) {
        rows.add(loaded.get(version).weights());
      }
      LlamaModel model = shared.model();
      try (NDManager m = NDManager.newBaseManager();
           KvCache cache = new KvCache(model.config(), m, prompts.length, 32, model.weights().dtype())) {
        float[][] logits = run(() -> model.prefill(cache, 0, prompts, rows));
        for (int s = 0; s <= steps; s++) {
          for (int r = 0; r < prompts.length; r++) {
            worst = Math.max(worst, Logits.maxAbsDiff(alone[r][s], logits[r], "row " + r + " step " + s));
          }
          if (s < steps) {
            int step = s;
            int[] tokens = new int[prompts.length];
            for (int r = 0; r < prompts.length; r++) {
              tokens[r] = fed[r][step];
            }
            logits = run(() -> model.decode(cache, tokens, rows));
          }
        }
      }
      loaded.forEach(ModelAdapter::close);
    }
    System.out.printf("mixed batch of 3 versions vs each served alone: max |Δlogit| = %.3g%n", worst);
    assertTrue(worst <= TOLERANCE, "a row of the mixed batch differs from its version alone by " + worst);
  }

  @Test
  void aBatchOfOneVersionIsThatVersionAndTheBaseStaysTheBase() {
    int[] prompt = {1, 5, 77, 300, 12};
    float[][] base1;
    try (LanguageModel plain = LanguageModel.load(base, LoadOptions.cpu(32))) {
      base1 = greedy(plain.model(), prompt, 3, new int[3]);
    }
    try (LanguageModel shared = LanguageModel.loadBase(base, LoadOptions.cpu(32));
         ModelAdapter attn = shared.adapt(Optional.of(versions.get(0)))) {
      assertEquals(shared.model().vocabularySize() + STEPS.tokens().size(),
          shared.model().vocabularySize(attn.weights()));
      assertEquals(STEPS, attn.stepTokens().orElseThrow());
      float[][] baseAgain = greedy(shared.model(), prompt, 3, new int[3]);
      for (int s = 0; s < base1.length; s++) {
        assertEquals(0, Logits.maxAbsDiff(base1[s], baseAgain[s], "base step " + s), 1e-6);
      }
    }
  }

  @Test
  void versionsWithDifferentStepTokensCannotShareABatch() {
    try (LanguageModel shared = LanguageModel.loadBase(base, LoadOptions.cpu(32));
         ModelAdapter attn = shared.adapt(Optional.of(versions.get(0)));
         NDManager m = NDManager.newBaseManager();
         KvCache cache = new KvCache(shared.config(), m, 2, 32, shared.model().weights().dtype());
         NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> shared.model()
          .prefill(cache, 0, new int[][] {{1, 2}, {1, 3}}, List.of(attn.weights(), AdapterWeights.NONE)));
      assertTrue(e.getMessage().contains("same step tokens"), e.getMessage());
    }
  }

  /** Logits of the prompt's last token, then of each greedily chosen next token; the tokens chosen go to {@code fed}. */
  private static float[][] greedy(LlamaModel model, int[] prompt, int steps, int[] fed) {
    float[][] out = new float[steps + 1][];
    try (NDManager m = NDManager.newBaseManager();
         KvCache cache = new KvCache(model.config(), m, 1, 32, model.weights().dtype())) {
      out[0] = run(() -> model.prefill(cache, 0, new int[][] {prompt}))[0];
      for (int s = 0; s < steps; s++) {
        fed[s] = Logits.argmax(out[s]);
        int token = fed[s];
        out[s + 1] = run(() -> model.decode(cache, new int[] {token}))[0];
      }
    }
    return out;
  }

  private static float[][] run(java.util.function.Supplier<NDArray> pass) {
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      NDArray logits = pass.get();
      int rows = (int) logits.getShape().get(0);
      int width = (int) logits.getShape().get(1);
      float[] flat = logits.toFloatArray();
      float[][] out = new float[rows][width];
      for (int r = 0; r < rows; r++) {
        System.arraycopy(flat, r * width, out[r], 0, width);
      }
      return out;
    }
  }
}
