package io.memreason.llm.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The forward pass of Hugging Face's {@code LlamaForCausalLM} (eager attention) on DJL: embed, then per layer
 * {@code h += attention(rmsNorm(h))}, {@code h += mlp(rmsNorm(h))}, then the final norm and the output head.
 * Three entry points share the layer code: {@link #forward} over a padded batch without a cache (reference
 * semantics; also what training differentiates), {@link #prefill} of new sequences into a {@link KvCache}, and
 * {@link #decode} of one token for every running sequence. Each takes, optionally, the {@link AdapterWeights} of
 * every row: rows of several versions then share the base weights' matmuls in one batch, each with its own
 * version's LoRA updates and step tokens ({@link RowAdapters}).
 *
 * <p>The code is written for speed on CPU, where each DJL op costs microseconds of overhead: fused
 * projections, RMSNorm as one op ({@link StreamLayout}), RoPE as one batched matMul ({@link RotaryEmbedding}),
 * grouped-query attention by reshaping queries instead of repeating keys. It is also written so autograd can
 * run through it: no in-place ops, no Java-scalar operands, and no array closed before the caller's scope ends
 * (arrays made from Java data are read in place by torch). Callers wrap each call in an {@code NDScope}.
 */
public final class LlamaModel {
  private final LlamaWeights weights;
  private final RotaryEmbedding rope;
  private final LlamaConfig config;
  private final int heads;
  private final int kvHeads;
  private final int headDim;
  private final int group;
  private final float maskValue;

  /**
   * @throws io.memreason.llm.CheckpointException when the model's sliding window would take effect within the
   *     rotary tables' length (full attention is the only kind computed here)
   */
  public LlamaModel(LlamaWeights weights, RotaryEmbedding rope) {
    weights.config().requireFullAttention(rope.maxPositions());
    this.weights = weights;
    this.rope = rope;
    this.config = weights.config();
    this.heads = config.heads();
    this.kvHeads = config.kvHeads();
    this.headDim = config.headDim();
    this.group = config.groupSize();
    // Finite, like transformers' dtype minimum: a fully masked (padding) row then softmaxes to a harmless
    // uniform distribution instead of NaN.
    this.maskValue = weights.dtype() == DataType.FLOAT16 ? -65504f : -Float.MAX_VALUE;
  }

  /** The same model with other weights (shares the rotary tables). */
  public LlamaModel withWeights(LlamaWeights other) {
    return new LlamaModel(other, rope);
  }

  public LlamaConfig config() {
    return config;
  }

  public LlamaWeights weights() {
    return weights;
  }

  /** Logit columns: base vocabulary plus step tokens. */
  public int vocabularySize() {
    return weights.tokens().vocabularySize();
  }

  /** Logit columns of a row on {@code adapter}: the base tables' plus the version's step tokens. */
  public int vocabularySize(AdapterWeights adapter) {
    return weights.tokens().vocabularySize() + adapter.stepTokenCount();
  }

  /** Longest sequence the rotary tables cover. */
  public int maxPositions() {
    return rope.maxPositions();
  }

  /**
   * Logits [B, T, vocabularySize] of a padded batch, exactly as transformers computes them: positions
   * {@code cumsum(mask) - 1} (1 at padding), causal attention over unpadded keys. Left or right padding both
   * work; logits at padded positions are meaningless.
   *
   * @param attentionMask 1 for a real token, 0 for padding
   */
  public NDArray forward(NDManager manager, int[][] ids, int[][] attentionMask) {
    return forward(manager, ids, attentionMask, RowAdapters.NONE);
  }

  /** {@link #forward(NDManager, int[][], int[][])} with each row on its own version over these weights. */
  public NDArray forward(NDManager manager, int[][] ids, int[][] attentionMask, List<AdapterWeights> rows) {
    return forward(manager, ids, attentionMask, RowAdapters.of(manager, rows));
  }

  private NDArray forward(NDManager manager, int[][] ids, int[][] attentionMask, RowAdapters adapters) {
    int b = ids.length;
    int t = ids[0].length;
    int[][] positions = new int[b][t];
    boolean[][] visible = new boolean[b][t];
    for (int r = 0; r < b; r++) {
      int next = 0;
      for (int j = 0; j < t; j++) {
        visible[r][j] = attentionMask[r][j] != 0;
        positions[r][j] = visible[r][j] ? next++ : 1;
      }
    }
    Pass pass = new Pass(b, t, rope.rotations(manager, positions), causalMask(manager, visible),
        KeyValueStore.NONE, false, adapters);
    return logits(layers(adapters.embed(weights.tokens(), manager, ids), pass), pass);
  }

  /**
   * Runs new sequences' prompts into slots [firstSlot, firstSlot + prompts.length) of the cache and returns
   * the logits [prompts.length, vocabularySize] of each prompt's last token.
   */
  public NDArray prefill(KvCache cache, int firstSlot, int[][] prompts) {
    return prefill(cache, firstSlot, prompts, RowAdapters.NONE);
  }

  /** {@link #prefill(KvCache, int, int[][])} with each prompt on its own version over these weights. */
  public NDArray prefill(KvCache cache, int firstSlot, int[][] prompts, List<AdapterWeights> rows) {
    return prefill(cache, firstSlot, prompts, RowAdapters.of(cache.manager(), rows));
  }

  private NDArray prefill(KvCache cache, int firstSlot, int[][] prompts, RowAdapters adapters) {
    int b = prompts.length;
    int t = 0;
    for (int[] p : prompts) {
      t = Math.max(t, p.length);
    }
    if (t > cache.capacity()) {
      throw new IllegalArgumentException("a prompt of " + t + " tokens exceeds the cache capacity " + cache.capacity());
    }
    // Right padding: the padding's keys land beyond each sequence's length, where the mask hides them and the
    // next decoded token overwrites them.
    int[][] ids = new int[b][t];
    int[][] positions = new int[b][t];
    boolean[][] visible = new boolean[b][t];
    long[] lastIndex = new long[b];
    for (int r = 0; r < b; r++) {
      System.arraycopy(prompts[r], 0, ids[r], 0, prompts[r].length);
      for (int j = 0; j < t; j++) {
        positions[r][j] = j;
        visible[r][j] = j < prompts[r].length;
      }
      lastIndex[r] = (long) r * t + prompts[r].length - 1;
    }
    NDManager manager = cache.manager();
    Pass pass = new Pass(b, t, rope.rotations(manager, positions), causalMask(manager, visible),
        cache.prefill(firstSlot, b, t), true, adapters);
    NDArray hidden = layers(adapters.embed(weights.tokens(), manager, ids), pass);
    NDArray last = hidden.reshape(b * (long) t, weights.layout().width())
        .get(manager, new NDIndex("{}", manager.create(lastIndex)));
    for (int r = 0; r < b; r++) {
      cache.setLength(firstSlot + r, prompts[r].length);
    }
    return logits(last, pass);
  }

  /**
   * Appends one token to each sequence in slots [0, tokens.length) and returns the logits
   * [tokens.length, vocabularySize] for the token after it.
   */
  public NDArray decode(KvCache cache, int[] tokens) {
    return decode(cache, tokens, RowAdapters.NONE);
  }

  /** {@link #decode(KvCache, int[])} with each sequence on its own version over these weights. */
  public NDArray decode(KvCache cache, int[] tokens, List<AdapterWeights> rows) {
    return decode(cache, tokens, RowAdapters.of(cache.manager(), rows));
  }

  private NDArray decode(KvCache cache, int[] tokens, RowAdapters adapters) {
    int b = tokens.length;
    int[][] ids = new int[b][1];
    int[][] positions = new int[b][1];
    int keyLength = 0;
    for (int r = 0; r < b; r++) {
      ids[r][0] = tokens[r];
      positions[r][0] = cache.length(r);
      keyLength = Math.max(keyLength, cache.length(r) + 1);
    }
    if (keyLength > cache.capacity()) {
      throw new IllegalArgumentException("a sequence would exceed the cache capacity " + cache.capacity());
    }
    float[] mask = new float[b * keyLength];
    for (int r = 0; r < b; r++) {
      for (int j = cache.length(r) + 1; j < keyLength; j++) {
        mask[r * keyLength + j] = maskValue;
      }
    }
    NDManager manager = cache.manager();
    Pass pass = new Pass(b, 1, rope.rotations(manager, positions),
        manager.create(mask, new Shape(b, 1, 1, keyLength)).toType(weights.dtype(), false),
        cache.decode(b, keyLength), true, adapters);
    NDArray hidden = layers(adapters.embed(weights.tokens(), manager, ids), pass);
    for (int r = 0; r < b; r++) {
      cache.setLength(r, cache.length(r) + 1);
    }
    return logits(hidden.reshape(b, weights.layout().width()), pass);
  }

  /**
   * What every layer of one pass shares: batch shape, rotations, the additive mask, the key/value store,
   * whether each layer's intermediate arrays may be freed as soon as the layer is done (inference; a pass
   * autograd may differentiate keeps them all), and the rows' versions.
   */
  private record Pass(int batch, int length, NDArray rotation, NDArray mask, KeyValueStore store,
                      boolean releaseLayers, RowAdapters adapters) {}

  private NDArray layers(NDArray embedded, Pass pass) {
    NDArray h = embedded;
    for (int l = 0; l < weights.layers().size(); l++) {
      h = pass.releaseLayers() ? layerReleasingIntermediates(h, pass, l) : layer(h, pass, l);
    }
    return h;
  }

  private NDArray layer(NDArray h, Pass pass, int l) {
    LayerWeights w = weights.layers().get(l);
    NDArray afterAttention = h.add(attention(w, rmsNorm(h), pass, l));
    return afterAttention.add(mlp(w, rmsNorm(afterAttention), pass, l));
  }

  /**
   * One layer inside its own scope, keeping only its output (and freeing its input): without this a prefill
   * would hold every layer's activations until the pass ends, gigabytes for a large batch of prompts.
   */
  private NDArray layerReleasingIntermediates(NDArray h, Pass pass, int l) {
    NDArray out;
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      out = layer(h, pass, l);
      NDScope.unregister(out);
    }
    NDScope.register(out);
    h.close();
    return out;
  }

  private NDArray attention(LayerWeights w, NDArray x, Pass p, int layer) {
    int b = p.batch();
    int t = p.length();
    NDArray heads4 = project(w.qkv(), x, p, layer, AdapterWeights.LayerUpdates::qkv)
        .reshape(b, t, heads + 2L * kvHeads, headDim);
    NDList queriesKeysAndValues = heads4.split(new long[] {heads + kvHeads}, 2);
    NDList queriesAndKeys = queriesKeysAndValues.get(0).matMul(p.rotation()).split(new long[] {heads}, 2);
    KeyValueStore.Attended kv = p.store().put(layer, queriesAndKeys.get(1), queriesKeysAndValues.get(1));
    // Query head h reads key/value head h / group: grouping the query heads by reshape does that without
    // copying keys. 1/sqrt(headDim) is already folded into the query weights.
    NDArray queries = queriesAndKeys.get(0).transpose(0, 2, 1, 3).reshape(b, kvHeads, (long) group * t, headDim);
    NDArray probabilities = softmax(queries.matMul(kv.keys()).add(p.mask()));
    NDArray context = probabilities.matMul(kv.values())
        .reshape(b, heads, t, headDim).transpose(0, 2, 1, 3).reshape(b, t, (long) heads * headDim);
    return project(w.output(), context, p, layer, AdapterWeights.LayerUpdates::output);
  }

  private NDArray mlp(LayerWeights w, NDArray x, Pass p, int layer) {
    NDList gateAndUp = project(w.gateUp(), x, p, layer, AdapterWeights.LayerUpdates::gateUp)
        .split(new long[] {config.intermediateSize()}, 2);
    NDArray gate = gateAndUp.get(0);
    NDArray silu = gate.mul(gate.getNDArrayInternal().sigmoid());
    return project(w.down(), silu.mul(gateAndUp.get(1)), p, layer, AdapterWeights.LayerUpdates::down);
  }

  /** A projection of the shared weights, plus each row's version's low-rank update of it. */
  private NDArray project(Projection projection, NDArray x, Pass p, int layer,
                          Function<AdapterWeights.LayerUpdates, Optional<LowRank>> which) {
    NDArray y = projection.apply(x);
    Optional<NDArray> update = p.adapters().update(x, layer, which, projection.weight().getShape().get(1));
    return update.isPresent() ? y.add(update.get()) : y;
  }

  /**
   * RMSNorm without its weight (folded into the next projection): see {@link StreamLayout}. In float32 at
   * least (float64 weights stay float64: gradient checks run in double precision).
   */
  private NDArray rmsNorm(NDArray h) {
    if (weights.dtype() != DataType.FLOAT16) {
      return h.normalize(2, -1, 1e-12);
    }
    return h.toType(DataType.FLOAT32, false).normalize(2, -1, 1e-12).toType(weights.dtype(), false);
  }

  /** Softmax over the keys, computed in float32 (or wider) as transformers does. */
  private NDArray softmax(NDArray scores) {
    if (weights.dtype() != DataType.FLOAT16) {
      return scores.softmax(-1);
    }
    return scores.toType(DataType.FLOAT32, false).softmax(-1).toType(weights.dtype(), false);
  }

  private NDArray logits(NDArray hidden, Pass pass) {
    NDArray logits = pass.adapters().logits(weights.tokens(), rmsNorm(hidden).mul(weights.finalNorm()));
    return weights.dtype() == DataType.FLOAT16 ? logits.toType(DataType.FLOAT32, false) : logits;
  }

  /**
   * The additive mask [B, 1, group·T, T]: query position q of a row may see key j when j ≤ q and j is a real
   * token. Rows are repeated per query head of a group, matching the reshaped queries.
   */
  private NDArray causalMask(NDManager manager, boolean[][] visible) {
    int b = visible.length;
    int t = visible[0].length;
    float[] mask = new float[b * group * t * t];
    int i = 0;
    for (int r = 0; r < b; r++) {
      for (int g = 0; g < group; g++) {
        for (int q = 0; q < t; q++) {
          for (int j = 0; j < t; j++) {
            mask[i++] = j <= q && visible[r][j] ? 0f : maskValue;
          }
        }
      }
    }
    return manager.create(mask, new Shape(b, 1, (long) group * t, t)).toType(weights.dtype(), false);
  }
}
