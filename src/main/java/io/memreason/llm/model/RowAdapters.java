package io.memreason.llm.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Which version's parts each row of one pass uses: the rows grouped by {@link AdapterWeights}. The base matmul runs
 * once over the whole batch; a version's low-rank update and step-token rows run on its group's rows only (gathered,
 * computed, put back in row order), so every row is computed exactly as it would be in a batch of its own version.
 * A batch of one version, the usual case, needs no gathering at all.
 */
final class RowAdapters {
  /** Every row on the base model alone. */
  static final RowAdapters NONE = new RowAdapters(List.of(new Group(AdapterWeights.NONE, new long[0], null)), null);

  /** The rows of one version: their indexes in the batch, in batch order (in Java, and as an index array). */
  private record Group(AdapterWeights adapter, long[] ids, NDArray rows) {}

  private final List<Group> groups;
  /** Where each row of the batch sits in the groups' concatenation; null for a single group. */
  private final NDArray inverse;

  private RowAdapters(List<Group> groups, NDArray inverse) {
    this.groups = groups;
    this.inverse = inverse;
  }

  /**
   * Groups the rows of a batch by their version.
   *
   * @throws IllegalArgumentException when versions in one batch add different numbers of step tokens (their logits
   *     would not have the same width)
   */
  static RowAdapters of(NDManager manager, List<AdapterWeights> perRow) {
    Map<AdapterWeights, List<Integer>> byVersion = new IdentityHashMap<>();
    List<AdapterWeights> order = new ArrayList<>();
    for (int r = 0; r < perRow.size(); r++) {
      AdapterWeights a = perRow.get(r);
      byVersion.computeIfAbsent(a, k -> {
        order.add(k);
        return new ArrayList<>();
      }).add(r);
    }
    int steps = order.get(0).stepTokenCount();
    for (AdapterWeights a : order) {
      if (a.stepTokenCount() != steps) {
        throw new IllegalArgumentException("versions with " + steps + " and " + a.stepTokenCount()
            + " step tokens cannot share a batch: every version served on one base needs the same step tokens");
      }
    }
    if (order.size() == 1) {
      return new RowAdapters(List.of(new Group(order.get(0), new long[0], null)), null);
    }
    List<Group> groups = new ArrayList<>();
    long[] inverse = new long[perRow.size()];
    int position = 0;
    for (AdapterWeights a : order) {
      List<Integer> rows = byVersion.get(a);
      long[] ids = new long[rows.size()];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = rows.get(i);
        inverse[rows.get(i)] = position++;
      }
      groups.add(new Group(a, ids, manager.create(ids)));
    }
    return new RowAdapters(groups, manager.create(inverse));
  }

  /**
   * The low-rank term of one projection for every row, {@code x·down·up} with each row's own version's factors (zero
   * for a version without an update there); empty when no row's version updates this projection.
   *
   * @param x [B, ...] the projection's input
   * @param width the projection's output width
   */
  Optional<NDArray> update(NDArray x, int layer, Function<AdapterWeights.LayerUpdates, Optional<LowRank>> projection,
                           long width) {
    if (inverse == null) {
      return groups.get(0).adapter().update(layer, projection).map(u -> u.apply(x));
    }
    if (groups.stream().allMatch(g -> g.adapter().update(layer, projection).isEmpty())) {
      return Optional.empty();
    }
    NDList parts = new NDList();
    for (Group g : groups) {
      NDArray rows = x.get(x.getManager(), new NDIndex("{}", g.rows()));
      Optional<LowRank> u = g.adapter().update(layer, projection);
      parts.add(u.isPresent() ? u.get().apply(rows) : x.getManager().zeros(withLast(rows.getShape(), width),
          x.getDataType()));
    }
    return Optional.of(inBatchOrder(parts));
  }

  /** Stream vectors [B, T, width] for ids [B, T]: ids at or past the base vocabulary are the row's version's step tokens. */
  NDArray embed(TokenTables base, NDManager manager, int[][] ids) {
    int vocabulary = base.baseRows();
    boolean anyStep = false;
    for (int[] row : ids) {
      for (int id : row) {
        anyStep |= id >= vocabulary;
      }
    }
    if (!anyStep || groups.get(0).adapter().stepTokens().isEmpty()) {
      return base.embed(manager, ids);
    }
    int n = groups.get(0).adapter().stepTokenCount();
    int[] offset = rowOffsets(ids.length, n);
    int[][] baseIds = new int[ids.length][];
    long[] stepIds = new long[ids.length * ids[0].length];
    float[] isStep = new float[stepIds.length];
    float[] isBase = new float[stepIds.length];
    for (int r = 0; r < ids.length; r++) {
      baseIds[r] = new int[ids[r].length];
      for (int c = 0; c < ids[r].length; c++) {
        int id = ids[r][c];
        int i = r * ids[r].length + c;
        boolean step = id >= vocabulary;
        isStep[i] = step ? 1f : 0f;
        isBase[i] = step ? 0f : 1f;
        baseIds[r][c] = step ? 0 : id;
        stepIds[i] = step ? offset[r] + id - vocabulary : 0;
      }
    }
    NDList tables = new NDList();
    groups.forEach(g -> tables.add(g.adapter().stepTokens().orElseThrow().input()));
    NDArray steps = tables.size() == 1 ? tables.get(0) : NDArrays.concat(tables, 0);
    Shape shape = new Shape(ids.length, ids[0].length);
    NDArray stepRows = steps.get(manager, new NDIndex("{}", manager.create(stepIds, shape)));
    // Each position takes one of the two exactly: the other is multiplied by 0 (both are finite rows).
    Shape maskShape = new Shape(ids.length, ids[0].length, 1);
    NDArray baseRows = base.embed(manager, baseIds).mul(manager.create(isBase, maskShape).toType(steps.getDataType(), false));
    return baseRows.add(stepRows.mul(manager.create(isStep, maskShape).toType(steps.getDataType(), false)));
  }

  /** Logits [B, ..., V + n]: the base vocabulary's for every row, then each row's version's step tokens'. */
  NDArray logits(TokenTables base, NDArray normalised) {
    NDArray logits = base.logits(normalised);
    if (groups.get(0).adapter().stepTokens().isEmpty()) {
      return logits;
    }
    NDArray steps;
    if (inverse == null) {
      steps = stepLogits(groups.get(0).adapter(), normalised);
    } else {
      NDList parts = new NDList();
      for (Group g : groups) {
        parts.add(stepLogits(g.adapter(), normalised.get(normalised.getManager(), new NDIndex("{}", g.rows()))));
      }
      steps = inBatchOrder(parts);
    }
    return NDArrays.concat(new NDList(logits, steps), -1);
  }

  private static NDArray stepLogits(AdapterWeights adapter, NDArray normalised) {
    AdapterWeights.StepTokenRows rows = adapter.stepTokens().orElseThrow();
    return normalised.matMul(rows.output()).add(rows.bias());
  }

  /** For each row, where its version's step-token rows start in the groups' concatenated tables. */
  private int[] rowOffsets(int batch, int n) {
    int[] offsets = new int[batch];
    if (inverse == null) {
      return offsets;
    }
    for (int g = 0; g < groups.size(); g++) {
      for (long r : groups.get(g).ids()) {
        offsets[(int) r] = g * n;
      }
    }
    return offsets;
  }

  /** The groups' results, concatenated group after group, back in the batch's row order. */
  private NDArray inBatchOrder(NDList parts) {
    NDArray grouped = NDArrays.concat(parts, 0);
    return grouped.get(grouped.getManager(), new NDIndex("{}", inverse));
  }

  private static Shape withLast(Shape shape, long last) {
    long[] dims = shape.getShape();
    dims[dims.length - 1] = last;
    return new Shape(dims);
  }
}
