package io.memreason.llm.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * Frozen base tables plus separate step-token rows that can be trained, as method.md describes:
 * {@code x = emb(min(ids, V-1))·(1-m) + new_in[max(ids-V, 0)]·m} with {@code m = ids >= V}, and
 * {@code logits = concat(lm_head·h, new_out·h + bias)}. Only differentiable, out-of-place ops with array
 * operands, so gradients reach {@code newIn} and {@code newOutWeight} under a GradientCollector; call
 * {@link #embed} and {@link #logits} inside the scope that also runs backward.
 *
 * @param baseInput [V, streamWidth] (the base rows of the serving table)
 * @param baseOutput [streamWidth, V]
 * @param newIn [n, hidden], {@code new_in}
 * @param newOutWeight [n, hidden], {@code new_out.weight}
 * @param newOutBias [n], {@code new_out.bias} (never trained)
 */
public record TrainableTokenTables(NDArray baseInput, NDArray baseOutput, NDArray newIn, NDArray newOutWeight,
                                   NDArray newOutBias, StreamLayout layout) implements TokenTables {

  @Override
  public int baseRows() {
    return (int) baseInput.getShape().get(0);
  }

  @Override
  public int vocabularySize() {
    return baseRows() + (int) newIn.getShape().get(0);
  }

  @Override
  public NDArray embed(NDManager manager, int[][] ids) {
    int v = baseRows();
    int rows = ids.length;
    int cols = ids[0].length;
    int[][] baseIds = new int[rows][cols];
    int[][] newIds = new int[rows][cols];
    float[] isNew = new float[rows * cols];
    float[] isBase = new float[rows * cols];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        int id = ids[r][c];
        baseIds[r][c] = Math.min(id, v - 1);
        newIds[r][c] = Math.max(id - v, 0);
        isNew[r * cols + c] = id >= v ? 1f : 0f;
        isBase[r * cols + c] = id >= v ? 0f : 1f;
      }
    }
    Shape maskShape = new Shape(rows, cols, 1);
    NDArray base = baseInput.get(manager, new NDIndex("{}", TokenIds.array(manager, baseIds)));
    NDArray newRows = stream(manager, newIn, layout.normConstant());
    NDArray extra = newRows.get(manager, new NDIndex("{}", TokenIds.array(manager, newIds)));
    return base.mul(manager.create(isBase, maskShape)).add(extra.mul(manager.create(isNew, maskShape)));
  }

  @Override
  public NDArray logits(NDArray normalised) {
    NDManager manager = normalised.getManager();
    NDArray stepLogits = normalised.matMul(stream(manager, newOutWeight, 0f).transpose()).add(newOutBias);
    return NDArrays.concat(new NDList(normalised.matMul(baseOutput), stepLogits), -1);
  }

  /** [n, hidden] rows as stream rows [n, streamWidth] (first padding column = {@code constant}), differentiably. */
  private NDArray stream(NDManager manager, NDArray rows, float constant) {
    int n = (int) rows.getShape().get(0);
    int extra = layout.width() - layout.hidden();
    float[] pad = new float[n * extra];
    for (int r = 0; r < n; r++) {
      pad[r * extra] = constant;
    }
    return NDArrays.concat(new NDList(rows, manager.create(pad, new Shape(n, extra))), 1);
  }
}
