package io.memreason.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.memreason.llm.LanguageModel.LoadOptions;
import io.memreason.llm.adapter.LoraAdapter;
import io.memreason.llm.adapter.LoraPair;
import io.memreason.llm.adapter.LoraTarget;
import io.memreason.llm.adapter.StepTokenVocabulary;
import io.memreason.reasoning.StepTokens;
import io.memreason.llm.adapter.StepTokenWeights;
import io.memreason.llm.adapter.TargetModules;
import io.memreason.llm.model.KvCache;
import io.memreason.llm.model.LlamaConfig;
import io.memreason.llm.model.LlamaModel;
import io.memreason.llm.random.RandomCheckpoint;
import io.memreason.llm.safetensors.Dtype;
import io.memreason.llm.safetensors.SafetensorsCheckpoint;
import io.memreason.llm.weights.WeightLoader.LoraMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoint features the shared golden cases do not show, each against {@link ReferenceLlama}: BF16 weights,
 * sharding, tied embeddings, MQA, llama3 rope scaling, rsLoRA on all seven projections, step tokens, on each
 * family's shape (Qwen2 tied or untied, Mistral with wide heads, Llama with biases) and transformers-5 configs.
 */
class CheckpointFeaturesTest {
  private static final double TOLERANCE = 1e-4;

  @TempDir
  Path dir;

  /** Every tensor of a checkpoint folder as the runtime reads it (BF16 widened). */
  private static Map<String, float[]> read(Path folder) {
    Map<String, float[]> values = new HashMap<>();
    try (NDManager m = NDManager.newBaseManager(); SafetensorsCheckpoint c = SafetensorsCheckpoint.openFolder(folder)) {
      for (String name : c.names()) {
        values.put(name, c.load(name, m).toFloatArray());
      }
    }
    return values;
  }

  private static double[][] logits(LlamaModel model, int[] ids) {
    try (NDManager m = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      int[] ones = new int[ids.length];
      Arrays.fill(ones, 1);
      float[] flat = model.forward(m, new int[][] {ids}, new int[][] {ones}).toFloatArray();
      return rows(flat, ids.length, model.vocabularySize());
    }
  }

  private static double[][] rows(float[] flat, int n, int vocab) {
    double[][] out = new double[n][vocab];
    for (int i = 0; i < n; i++) {
      for (int v = 0; v < vocab; v++) {
        out[i][v] = flat[i * vocab + v];
      }
    }
    return out;
  }

  private static double maxDiff(double[][] a, double[][] b) {
    double worst = 0;
    for (int i = 0; i < a.length; i++) {
      assertEquals(b[i].length, a[i].length);
      for (int v = 0; v < a[i].length; v++) {
        worst = Math.max(worst, Math.abs(a[i][v] - b[i][v]));
      }
    }
    return worst;
  }

  /**
   * Greedy continuation through the KV cache (batched with a second, shorter prompt), each step's logits
   * against the reference on the whole sequence so far.
   */
  private static void assertCachedGenerationMatches(LlamaModel model, ReferenceLlama reference, int[] prompt, int steps) {
    int[] other = Arrays.copyOf(prompt, Math.max(1, prompt.length / 2));
    try (NDManager m = NDManager.newBaseManager();
         KvCache cache = new KvCache(model.config(), m, 2, prompt.length + steps + 1, model.weights().dtype())) {
      int vocab = model.vocabularySize();
      float[] flat;
      try (NDScope scope = new NDScope()) {
        scope.suppressNotUsedWarning();
        flat = model.prefill(cache, 0, new int[][] {prompt, other}).toFloatArray();
      }
      int[] sequence = Arrays.copyOf(prompt, prompt.length + steps);
      int[] otherNext = new int[1];
      for (int s = 0; s < steps; s++) {
        int length = prompt.length + s;
        double[] expected = reference.logits(Arrays.copyOf(sequence, length))[length - 1];
        double[] actual = rows(flat, 2, vocab)[0];
        assertTrue(maxDiff(new double[][] {actual}, new double[][] {expected}) <= TOLERANCE, "step " + s);
        sequence[length] = GoldenCheckpointTest.argmax(Arrays.copyOfRange(flat, 0, vocab));
        otherNext[0] = GoldenCheckpointTest.argmax(Arrays.copyOfRange(flat, vocab, 2 * vocab));
        try (NDScope scope = new NDScope()) {
          scope.suppressNotUsedWarning();
          flat = model.decode(cache, new int[] {sequence[length], otherNext[0]}).toFloatArray();
        }
      }
    }
  }

  @Test
  void theNaiveReferenceAgreesWithTheGoldenFixture() {
    Path golden = Path.of(System.getProperty("memreason.shared"), "golden", "llama-basic");
    GoldenCase c = GoldenCase.read(golden);
    ReferenceLlama reference = ReferenceLlama.of(LlamaConfig.read(golden), read(golden));
    int[] row = c.inputIds()[0];
    float[][] expected = c.logits("")[0];
    double[][] actual = reference.logits(row);
    double[][] expectedRows = new double[row.length][];
    for (int p = 0; p < row.length; p++) {
      expectedRows[p] = new double[expected[p].length];
      for (int v = 0; v < expected[p].length; v++) {
        expectedRows[p][v] = expected[p][v];
      }
    }
    assertTrue(maxDiff(actual, expectedRows) < 1e-5);
  }

  @Test
  void bf16ShardedTiedMqaLlama3CheckpointMatchesTheReference() {
    LlamaConfig config = TinyModels.tiny(1, true, true);
    Path bf16 = dir.resolve("bf16");
    RandomCheckpoint.write(bf16, config, 3, Dtype.BF16, 3);
    assertTrue(Files.exists(bf16.resolve("model-00003-of-00003.safetensors")));
    ReferenceLlama reference = ReferenceLlama.of(config, read(bf16));
    int[] prompt = {1, 17, 200, 45, 45, 9, 310, 77, 2, 150, 61, 33};
    try (LanguageModel lm = LanguageModel.load(bf16, LoadOptions.cpu(64))) {
      assertTrue(maxDiff(logits(lm.model(), prompt), reference.logits(prompt)) <= TOLERANCE);
      assertCachedGenerationMatches(lm.model(), reference, prompt, 10);
      // The same weights stored as float32 give nearly the same model.
      Path f32 = dir.resolve("f32");
      RandomCheckpoint.write(f32, config, 3, Dtype.F32);
      try (LanguageModel full = LanguageModel.load(f32, LoadOptions.cpu(64))) {
        double rounding = maxDiff(logits(full.model(), prompt), logits(lm.model(), prompt));
        assertTrue(rounding > 0 && rounding < 0.02, "bf16 vs f32 logits differ by " + rounding);
      }
    }
  }

  /**
   * Each family's shape (Qwen2's biases, tied or not; Mistral's wide heads; Llama with attention and MLP biases),
   * stored as BF16 in three shards with a transformers-5 config.json.
   */
  @ParameterizedTest
  @ValueSource(strings = {"llama-biases", "qwen2", "qwen2-tied", "mistral"})
  void everyFamilyFromBf16ShardsAndATransformers5ConfigMatchesTheReference(String variant) {
    LlamaConfig config = TinyModels.of(variant);
    Path folder = dir.resolve(variant);
    RandomCheckpoint.write(folder, config, 11, Dtype.BF16, 3);
    TinyModels.rewriteAsTransformers5(folder);
    assertEquals(config, LlamaConfig.read(folder));
    ReferenceLlama reference = ReferenceLlama.of(config, read(folder));
    int[] prompt = {1, 17, 200, 45, 45, 9, 310, 77, 2, 150, 61, 33};
    try (LanguageModel lm = LanguageModel.load(folder, LoadOptions.cpu(64))) {
      double diff = maxDiff(logits(lm.model(), prompt), reference.logits(prompt));
      assertTrue(diff <= TOLERANCE, variant + ": logits differ by " + diff);
      assertCachedGenerationMatches(lm.model(), reference, prompt, 8);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama", "llama-biases", "qwen2", "qwen2-tied", "mistral"})
  void rsLoraOnAllSevenProjectionsMatchesTheReferenceMergedAndUnmerged(String variant) {
    LlamaConfig config = TinyModels.of(variant);
    Path base = dir.resolve("base");
    RandomCheckpoint.write(base, config, 5, Dtype.F32);
    Map<String, float[]> tensors = read(base);
    int rank = 4;
    double alpha = 8;
    double scaling = alpha / Math.sqrt(rank);
    SplittableRandom random = new SplittableRandom(9);
    Path adapterDir = dir.resolve("adapter");
    try (NDManager m = NDManager.newBaseManager()) {
      List<Map<LoraTarget, LoraPair>> layers = new ArrayList<>();
      for (int l = 0; l < config.layers(); l++) {
        Map<LoraTarget, LoraPair> factors = new EnumMap<>(LoraTarget.class);
        for (LoraTarget t : LoraTarget.values()) {
          int in = t.inFeatures(config);
          int out = t.outFeatures(config);
          float[] a = gaussian(random, rank * in, 0.1);
          float[] b = gaussian(random, out * rank, 0.1);
          factors.put(t, new LoraPair(m.create(a, new Shape(rank, in)), m.create(b, new Shape(out, rank))));
          String name = t.modulePath(l) + ".weight";
          float[] w = tensors.get(name);
          for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
              double delta = 0;
              for (int r = 0; r < rank; r++) {
                delta += (double) b[o * rank + r] * a[r * in + i];
              }
              w[o * in + i] += (float) (scaling * delta);
            }
          }
        }
        layers.add(factors);
      }
      List<String> names = Arrays.stream(LoraTarget.values()).map(LoraTarget::moduleName).toList();
      new LoraAdapter(new LoraAdapter.Settings(rank, alpha, true, 0.05, TargetModules.of(names)), layers)
          .write(adapterDir, "tiny");
    }
    ReferenceLlama reference = ReferenceLlama.of(config, tensors);
    int[] prompt = {1, 5, 77, 300, 12, 12, 99, 250};
    for (LoraMode mode : LoraMode.values()) {
      try (LanguageModel lm = LanguageModel.load(base, LoadOptions.cpu(64).withAdapter(adapterDir, mode))) {
        double diff = maxDiff(logits(lm.model(), prompt), reference.logits(prompt));
        assertTrue(diff <= TOLERANCE, variant + ", " + mode + " adapter: logits differ by " + diff);
        assertCachedGenerationMatches(lm.model(), reference, prompt, 6);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama", "qwen2", "qwen2-tied", "mistral"})
  void stepTokensExtendBothEndsOfTheVocabulary(String variant) {
    LlamaConfig config = TinyModels.of(variant);
    Path model = dir.resolve("model");
    RandomCheckpoint.write(model, config, 8, Dtype.F32);
    Map<String, float[]> tensors = read(model);
    StepTokenVocabulary vocabulary = StepTokens.of(1, 1).vocabulary();
    int n = vocabulary.tokens().size();
    int h = config.hiddenSize();
    int v = config.vocabSize();
    SplittableRandom random = new SplittableRandom(4);
    float[] newIn = gaussian(random, n * h, 0.05);
    float[] newOut = gaussian(random, n * h, 0.05);
    float[] bias = gaussian(random, n, 0.5);
    try (NDManager m = NDManager.newBaseManager()) {
      new StepTokenWeights(vocabulary, m.create(newIn, new Shape(n, h)), m.create(newOut, new Shape(n, h)),
          m.create(bias, new Shape(n))).write(model);
    }
    // Reference: the embedding and lm_head with the new rows appended, the bias added to their logits. A tied
    // model's head is its base embedding, and the step tokens' output rows are their own.
    float[] head = config.tieWordEmbeddings() ? tensors.get("model.embed_tokens.weight") : tensors.get("lm_head.weight");
    tensors.put("model.embed_tokens.weight", concat(tensors.get("model.embed_tokens.weight"), newIn));
    tensors.put("lm_head.weight", concat(head, newOut));
    ReferenceLlama reference = ReferenceLlama.of(untied(config), tensors);
    int[] prompt = {1, 40, v, 41, v + 4, v + 2, 90, v + 1, 7};
    double[][] expected = reference.logits(prompt);
    for (double[] row : expected) {
      for (int k = 0; k < n; k++) {
        row[v + k] += bias[k];
      }
    }
    try (LanguageModel lm = LanguageModel.load(model, LoadOptions.cpu(64))) {
      assertEquals(v + n, lm.model().vocabularySize());
      assertEquals(vocabulary, lm.stepTokens().orElseThrow());
      assertTrue(maxDiff(logits(lm.model(), prompt), expected) <= TOLERANCE);
      String text = "Question: é?\n <prefix_0> <memory_0> recall\n <prefix_0> <answer_0> The answer is: A";
      int[] ids = lm.tokenizer().encode(text);
      assertEquals(1, ids[0], "BOS first");
      assertTrue(Arrays.stream(ids).anyMatch(id -> id == v + 4), "<memory_0> is one token");
      assertTrue(Arrays.stream(ids).filter(id -> id == v).count() == 2, "<prefix_0> twice");
      assertEquals(text, lm.tokenizer().decode(Arrays.copyOfRange(ids, 1, ids.length)));
    }
  }

  /**
   * The GPU configuration's arithmetic (float16 weights, activations and KV cache, float32 norms, softmax and
   * logits), run on the CPU: close to float32 and the same greedy choices on a fixture with clear margins.
   */
  @Test
  void halfPrecisionFollowsTheFloat32Model() {
    Path golden = Path.of(System.getProperty("memreason.shared"), "golden", "llama-basic");
    GoldenCase c = GoldenCase.read(golden);
    int[] prompt = c.unpaddedGenerationPrompts()[0];
    try (LanguageModel full = LanguageModel.load(golden, LoadOptions.cpu(64));
         LanguageModel half = LanguageModel.load(golden, LoadOptions.cpu(64).withDtype(DataType.FLOAT16))) {
      assertEquals(DataType.FLOAT16, half.model().weights().dtype());
      double[][] expected = logits(full.model(), prompt);
      double[][] actual = logits(half.model(), prompt);
      assertTrue(maxDiff(actual, expected) < 0.01, "float16 logits differ by " + maxDiff(actual, expected));
      ReferenceLlama reference = ReferenceLlama.of(LlamaConfig.read(golden), read(golden));
      try (NDManager m = NDManager.newBaseManager();
           KvCache cache = new KvCache(half.config(), m, 1, prompt.length + 4, DataType.FLOAT16)) {
        float[] first;
        try (NDScope scope = new NDScope()) {
          scope.suppressNotUsedWarning();
          first = half.model().prefill(cache, 0, new int[][] {prompt}).toFloatArray();
        }
        int token = GoldenCheckpointTest.argmax(first);
        assertEquals(c.newTokens("")[0][0], token);
        double[] next = reference.logits(append(prompt, token))[prompt.length];
        try (NDScope scope = new NDScope()) {
          scope.suppressNotUsedWarning();
          float[] decoded = half.model().decode(cache, new int[] {token}).toFloatArray();
          double worst = 0;
          for (int v = 0; v < decoded.length; v++) {
            worst = Math.max(worst, Math.abs(decoded[v] - next[v]));
          }
          assertTrue(worst < 0.01, "float16 cached step differs by " + worst);
        }
      }
    }
  }

  private static LlamaConfig untied(LlamaConfig c) {
    return new LlamaConfig(c.vocabSize(), c.hiddenSize(), c.intermediateSize(), c.layers(), c.heads(), c.kvHeads(),
        c.headDim(), c.rmsNormEps(), c.ropeTheta(), c.ropeScaling(), false, c.bosTokenId(), c.eosTokenIds(),
        c.maxPositionEmbeddings(), c.family(), c.biases(), c.slidingWindow());
  }

  private static int[] append(int[] ids, int token) {
    int[] out = Arrays.copyOf(ids, ids.length + 1);
    out[ids.length] = token;
    return out;
  }

  static float[] gaussian(SplittableRandom random, int n, double std) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (random.nextGaussian() * std);
    }
    return v;
  }

  private static float[] concat(float[] a, float[] b) {
    float[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
