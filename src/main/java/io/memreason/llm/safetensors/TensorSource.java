package io.memreason.llm.safetensors;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.Set;

/** Named float tensors, as a checkpoint on disk or a generator of random weights provides them. */
public interface TensorSource {

  Set<String> names();

  default boolean contains(String name) {
    return names().contains(name);
  }

  /** The tensor's shape; fails with a message naming the source when there is no such tensor. */
  long[] shape(String name);

  /** The tensor as a new float32 array owned by {@code manager}. */
  NDArray load(String name, NDManager manager);

  /**
   * Writes the tensor into rows {@code [firstRow, firstRow + rows)} of a contiguous float32 array whose rows are as
   * wide as the tensor's: how a loader stacks tensors (q, k and v, say) without building each one first.
   */
  default void loadRows(String name, NDArray destination, long firstRow) {
    try (NDArray t = load(name, destination.getManager())) {
      long rows = t.getShape().dimension() == 0 ? 1 : t.getShape().get(0);
      destination.set(new NDIndex().addSliceDim(firstRow, firstRow + rows), t);
    }
  }

  /** Where the tensors come from, for error messages. */
  String describe();
}
