package io.memreason.llm.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * Keys and values of up to {@code slots} sequences, preallocated: per layer keys [slots, kvHeads, headDim,
 * capacity] (already transposed for q·kᵀ) and values [slots, kvHeads, capacity, headDim]. A sequence lives in
 * one slot from position 0; the running batch occupies slots [0, n) so that attention reads plain slices (views,
 * no gather), which is why a finishing sequence's slot is refilled by moving the last one down
 * ({@link #moveSlot}). Zero-initialised: masked positions must hold finite numbers, because
 * {@code NaN + mask} stays NaN.
 */
public final class KvCache implements AutoCloseable {
  private final NDManager manager;
  private final NDArray[] keys;
  private final NDArray[] values;
  private final int[] lengths;
  private final int capacity;
  private final int kvHeads;
  private final int headDim;

  /** Allocates the cache in a sub-manager of {@code parent}, which also owns the arrays of each step. */
  public KvCache(LlamaConfig config, NDManager parent, int slots, int capacity, DataType dtype) {
    this.manager = parent.newSubManager();
    this.capacity = capacity;
    this.kvHeads = config.kvHeads();
    this.headDim = config.headDim();
    this.lengths = new int[slots];
    this.keys = new NDArray[config.layers()];
    this.values = new NDArray[config.layers()];
    for (int l = 0; l < config.layers(); l++) {
      keys[l] = manager.zeros(new Shape(slots, config.kvHeads(), config.headDim(), capacity), dtype);
      values[l] = manager.zeros(new Shape(slots, config.kvHeads(), capacity, config.headDim()), dtype);
    }
  }

  public int slots() {
    return lengths.length;
  }

  /** Most positions one sequence can hold (prompt plus generated tokens). */
  public int capacity() {
    return capacity;
  }

  /** Tokens stored for a slot. */
  public int length(int slot) {
    return lengths[slot];
  }

  /** The manager the step's arrays attach to (close them with an NDScope around each step). */
  public NDManager manager() {
    return manager;
  }

  void setLength(int slot, int length) {
    lengths[slot] = length;
  }

  /** Forgets a slot's contents. */
  public void clear(int slot) {
    lengths[slot] = 0;
  }

  /** Moves a sequence from one slot to another (used to keep the running batch in slots [0, n)). */
  public void moveSlot(int from, int to) {
    int n = lengths[from];
    if (n > 0 && from != to) {
      NDIndex fromKeys = new NDIndex().addIndices(from).addAllDim(2).addSliceDim(0, n);
      NDIndex toKeys = new NDIndex().addIndices(to).addAllDim(2).addSliceDim(0, n);
      NDIndex fromValues = new NDIndex().addIndices(from).addAllDim().addSliceDim(0, n);
      NDIndex toValues = new NDIndex().addIndices(to).addAllDim().addSliceDim(0, n);
      for (int l = 0; l < keys.length; l++) {
        try (NDArray k = keys[l].get(manager, fromKeys); NDArray v = values[l].get(manager, fromValues)) {
          keys[l].set(toKeys, k);
          values[l].set(toValues, v);
        }
      }
    }
    lengths[to] = n;
    lengths[from] = 0;
  }

  /** Writes a prefill's keys and values to rows [firstSlot, firstSlot + rows), positions [0, length). */
  KeyValueStore prefill(int firstSlot, int rows, int length) {
    NDIndex keySlice = new NDIndex().addSliceDim(firstSlot, firstSlot + rows).addAllDim(2).addSliceDim(0, length);
    NDIndex valueSlice = new NDIndex().addSliceDim(firstSlot, firstSlot + rows).addAllDim().addSliceDim(0, length);
    return (layer, k, v) -> {
      keys[layer].set(keySlice, k.transpose(0, 2, 3, 1));
      values[layer].set(valueSlice, v.transpose(0, 2, 1, 3));
      return new KeyValueStore.Attended(keys[layer].get(manager, keySlice), values[layer].get(manager, valueSlice));
    };
  }

  /**
   * Appends one token's keys and values to each of the slots [0, rows) at its own position, and attends to
   * positions [0, keyLength) of those slots.
   */
  KeyValueStore decode(int rows, int keyLength) {
    long[] slotIds = new long[rows];
    long[] positions = new long[rows];
    for (int r = 0; r < rows; r++) {
      slotIds[r] = r;
      positions[r] = lengths[r];
    }
    NDArray slotArray = manager.create(slotIds);
    NDArray positionArray = manager.create(positions);
    NDIndex keyWrite = new NDIndex("{}, :, :, {}", slotArray, positionArray);
    NDIndex valueWrite = new NDIndex("{}, :, {}", slotArray, positionArray);
    NDIndex keyRead = new NDIndex().addSliceDim(0, rows).addAllDim(2).addSliceDim(0, keyLength);
    NDIndex valueRead = new NDIndex().addSliceDim(0, rows).addAllDim().addSliceDim(0, keyLength);
    return (layer, k, v) -> {
      keys[layer].set(keyWrite, k.reshape(rows, kvHeads, headDim));
      values[layer].set(valueWrite, v.reshape(rows, kvHeads, headDim));
      return new KeyValueStore.Attended(keys[layer].get(manager, keyRead), values[layer].get(manager, valueRead));
    };
  }

  @Override
  public void close() {
    Arrays.fill(lengths, 0);
    manager.close();
  }
}
