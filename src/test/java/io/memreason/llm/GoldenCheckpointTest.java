package io.memreason.llm;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import io.memreason.llm.LanguageModel.LoadOptions;
import io.memreason.llm.model.KvCache;
import io.memreason.llm.model.LlamaModel;
import io.memreason.llm.weights.WeightLoader.LoraMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;

/**
 * Every golden case (../shared/golden/*, ../shared/golden-families/* and the folders in
 * {@code -Dmemreason.golden.dirs}), whatever its family (Llama, Qwen2, Mistral), against the
 * reference: full-batch logits and argmax with left padding, and the 16-token greedy continuation through the
 * KV cache, logits of every step included. A case with an adapter runs with it merged and unmerged, and the
 * base model alone when the case has base expectations.
 */
class GoldenCheckpointTest {

  @TestFactory
  Stream<DynamicNode> everyGoldenCaseMatchesTheReference() {
    List<Path> dirs = GoldenCase.all();
    assertFalse(dirs.isEmpty(), "no golden cases: is -Dmemreason.shared set?");
    return dirs.stream().map(dir -> dynamicTest(dir.getFileName().toString(), () -> checkCase(dir)));
  }

  private static void checkCase(Path dir) {
    GoldenCase c = GoldenCase.read(dir);
    // Exactly the longest sequence the case runs: a sliding window that long changes nothing and must load.
    LoadOptions options = LoadOptions.cpu(Math.max(c.inputIds()[0].length,
        c.generationIds()[0].length + c.newTokens("")[0].length));
    List<Executable> variants = new ArrayList<>();
    if (c.hasAdapter()) {
      Path adapter = dir.resolve("adapter");
      variants.add(() -> check(c, options.withAdapter(adapter, LoraMode.MERGED), "", "adapter merged"));
      variants.add(() -> check(c, options.withAdapter(adapter, LoraMode.UNMERGED), "", "adapter unmerged"));
      if (c.hasBaseExpectations()) {
        variants.add(() -> check(c, options, "base_", "base model"));
      }
    } else {
      variants.add(() -> check(c, options, "", "model"));
    }
    assertAll(dir.getFileName().toString(), variants);
  }

  private static void check(GoldenCase c, LoadOptions options, String prefix, String variant) {
    try (LanguageModel lm = LanguageModel.load(c.dir(), options)) {
      double forward = checkForward(c, lm.model(), prefix, variant);
      double generation = checkGreedyGeneration(c, lm.model(), prefix, variant);
      System.out.printf("golden %s (%s): max |logit diff| forward %.2e, greedy steps %.2e%n",
          c.dir().getFileName(), variant, forward, generation);
    }
  }

  private static double checkForward(GoldenCase c, LlamaModel model, String prefix, String variant) {
    int[][] ids = c.inputIds();
    float[][][] expected = c.logits(prefix);
    Integer[][] argmax = c.argmax(prefix);
    int vocab = model.vocabularySize();
    float[] actual;
    try (NDManager m = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      actual = model.forward(m, ids, c.attentionMask()).toFloatArray();
    }
    int t = ids[0].length;
    double worst = 0;
    for (int b = 0; b < ids.length; b++) {
      for (int p = 0; p < t; p++) {
        if (expected[b][p] == null) {
          continue;
        }
        float[] row = Arrays.copyOfRange(actual, (b * t + p) * vocab, (b * t + p + 1) * vocab);
        worst = Math.max(worst, maxAbsDiff(row, expected[b][p]));
        assertEquals(argmax[b][p], argmax(row), variant + ": argmax of row " + b + " position " + p);
      }
    }
    assertTrue(worst <= c.tolerance(), variant + ": forward logits differ by " + worst + " > " + c.tolerance());
    return worst;
  }

  private static double checkGreedyGeneration(GoldenCase c, LlamaModel model, String prefix, String variant) {
    int[][] ids = c.generationIds();
    int[][] expectedTokens = c.newTokens(prefix);
    float[][][] expectedLogits = c.stepLogits(prefix);
    int steps = expectedTokens[0].length;
    int[][] prompts = c.unpaddedGenerationPrompts();
    int[][] generated = new int[ids.length][steps];
    double worst = 0;
    try (NDManager m = NDManager.newBaseManager();
         KvCache cache = new KvCache(model.config(), m, ids.length, ids[0].length + steps,
             model.weights().dtype())) {
      float[] logits;
      try (NDScope scope = new NDScope()) {
        scope.suppressNotUsedWarning();
        logits = model.prefill(cache, 0, prompts).toFloatArray();
      }
      for (int s = 0; s < steps; s++) {
        int[] next = new int[ids.length];
        for (int b = 0; b < ids.length; b++) {
          float[] row = Arrays.copyOfRange(logits, b * model.vocabularySize(), (b + 1) * model.vocabularySize());
          worst = Math.max(worst, maxAbsDiff(row, expectedLogits[b][s]));
          next[b] = argmax(row);
          generated[b][s] = next[b];
        }
        if (s + 1 < steps) {
          try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            logits = model.decode(cache, next).toFloatArray();
          }
        }
      }
    }
    for (int b = 0; b < ids.length; b++) {
      assertArrayEquals(expectedTokens[b], generated[b], variant + ": greedy tokens of row " + b);
    }
    assertTrue(worst <= c.tolerance(), variant + ": greedy step logits differ by " + worst + " > " + c.tolerance());
    return worst;
  }

  private static double maxAbsDiff(float[] actual, float[] expected) {
    return Logits.maxAbsDiff(expected, actual, "golden");
  }

  static int argmax(float[] row) {
    return Logits.argmax(row);
  }
}
