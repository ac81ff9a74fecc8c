package io.memreason.llm.random;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.memreason.llm.CheckpointException;
import io.memreason.llm.model.LlamaConfig;
import io.memreason.llm.model.ProjectionBiases;
import io.memreason.llm.safetensors.TensorSource;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Random weights for a Llama configuration under the Hugging Face tensor names. Each tensor is a pure function
 * of (seed, name), so a model can be rebuilt or written to disk identically. Matrices are uniform with standard
 * deviation {@code std} (0.02 is transformers' Llama initialisation), query and key projections 3·std so that
 * attention is far from uniform and position handling matters to the logits (as in the golden fixtures);
 * norm weights are 1 ± 0.1; biases, where the configuration has them, have standard deviation 0.3.
 */
public final class RandomTensors implements TensorSource {
  private final long seed;
  private final double std;
  private final Map<String, long[]> shapes = new LinkedHashMap<>();

  public RandomTensors(LlamaConfig c, long seed, double std) {
    this.seed = seed;
    this.std = std;
    long h = c.hiddenSize();
    long q = (long) c.heads() * c.headDim();
    long kv = (long) c.kvHeads() * c.headDim();
    shapes.put("model.embed_tokens.weight", new long[] {c.vocabSize(), h});
    for (int l = 0; l < c.layers(); l++) {
      String p = "model.layers." + l + ".";
      ProjectionBiases b = c.biases();
      shapes.put(p + "input_layernorm.weight", new long[] {h});
      projection(p + "self_attn.q_proj", q, h, b.queryKeyValue());
      projection(p + "self_attn.k_proj", kv, h, b.queryKeyValue());
      projection(p + "self_attn.v_proj", kv, h, b.queryKeyValue());
      projection(p + "self_attn.o_proj", h, q, b.output());
      shapes.put(p + "post_attention_layernorm.weight", new long[] {h});
      projection(p + "mlp.gate_proj", c.intermediateSize(), h, b.mlp());
      projection(p + "mlp.up_proj", c.intermediateSize(), h, b.mlp());
      projection(p + "mlp.down_proj", h, c.intermediateSize(), b.mlp());
    }
    shapes.put("model.norm.weight", new long[] {h});
    if (!c.tieWordEmbeddings()) {
      shapes.put("lm_head.weight", new long[] {c.vocabSize(), h});
    }
  }

  private void projection(String module, long out, long in, boolean bias) {
    shapes.put(module + ".weight", new long[] {out, in});
    if (bias) {
      shapes.put(module + ".bias", new long[] {out});
    }
  }

  @Override
  public Set<String> names() {
    return Collections.unmodifiableSet(shapes.keySet());
  }

  @Override
  public long[] shape(String name) {
    long[] s = shapes.get(name);
    if (s == null) {
      throw new CheckpointException("tensor '" + name + "' is missing from " + describe());
    }
    return s.clone();
  }

  /** The tensor's values. */
  public float[] values(String name) {
    float[] v = new float[Math.toIntExact(elements(name))];
    int[] filled = {0};
    values(name, 1 << 20, chunk -> {
      System.arraycopy(chunk, 0, v, filled[0], chunk.length);
      filled[0] += chunk.length;
    });
    return v;
  }

  /** The same values in consecutive chunks of at most {@code chunk} elements: a big tensor without a big array. */
  public void values(String name, int chunk, Consumer<float[]> sink) {
    long n = elements(name);
    SplittableRandom random = new SplittableRandom(seed * 31 + name.hashCode());
    // Uniform on [-a, a] (standard deviation a / sqrt(3)) around a centre.
    double centre = 0;
    double a;
    if (name.endsWith(".bias")) {
      // Large, like real Qwen2 biases, so that a bias left out or added in the wrong place shows in the logits.
      a = 0.3 * Math.sqrt(3);
    } else if (name.endsWith("norm.weight")) {
      centre = 1;
      a = 0.1;
    } else {
      boolean queryOrKey = name.endsWith("q_proj.weight") || name.endsWith("k_proj.weight");
      a = (queryOrKey ? 3 * std : std) * Math.sqrt(3);
    }
    for (long from = 0; from < n; from += chunk) {
      float[] v = new float[(int) Math.min(chunk, n - from)];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) (centre + a * (2 * random.nextDouble() - 1));
      }
      sink.accept(v);
    }
  }

  private long elements(String name) {
    return Arrays.stream(shape(name)).reduce(1, Math::multiplyExact);
  }

  @Override
  public NDArray load(String name, NDManager manager) {
    return manager.create(values(name), new Shape(shape(name)));
  }

  @Override
  public String describe() {
    return "random weights (seed " + seed + ")";
  }
}
