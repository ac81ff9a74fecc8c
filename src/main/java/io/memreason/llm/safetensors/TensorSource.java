package io.memreason.llm.safetensors;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
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

  /** Where the tensors come from, for error messages. */
  String describe();
}
