package io.memreason.llm.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.memreason.llm.LanguageModel;
import io.memreason.llm.LanguageModel.LoadOptions;
import io.memreason.llm.model.LlamaConfig;
import io.memreason.llm.random.RandomCheckpoint;
import io.memreason.llm.safetensors.Dtype;
import io.memreason.llm.safetensors.SafetensorsCheckpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Loading a big checkpoint: writes a sharded BF16 checkpoint of a model shape with random weights into a folder,
 * then times {@link LanguageModel#load} on it and measures the resident memory that loading takes. The folder's
 * files are in the page cache by then (they were just written), so the figures are those of the loader, not of
 * a disk.
 */
public final class LoadBenchmark {
  private static final double MB = 1 << 20;

  /** What to measure: a shape written as {@code shards} BF16 files into {@code dir} (which must be empty). */
  public record Plan(String shape, LlamaConfig config, int shards, Path dir, int maxSequenceLength) {}

  /**
   * One measurement; sizes in MB of 2^20 bytes.
   *
   * @param checkpointMb the safetensors files on disk
   * @param gbPerSecond checkpoint bytes (10^9) read and converted per second
   * @param peakRssMb the process's peak resident memory while loading
   * @param rssBeforeMb resident memory just before loading (the JVM, libtorch, the benchmark's own buffers)
   * @param loadPeakMb {@code peakRssMb - rssBeforeMb}: what loading took at its peak
   * @param loadedWeightsMb the native arrays the loaded model holds (float32 weights in the forward pass's layout,
   *     both vocabulary tables, rotary tables)
   * @param largestTensorMb the checkpoint's largest tensor as float32
   * @param budgetMb {@code (loadedWeightsMb + largestTensorMb) * 1.15}: the most loading may take
   */
  public record Result(String shape, int shards, double checkpointMb, double loadSeconds, double gbPerSecond,
                       double peakRssMb, double rssBeforeMb, double loadPeakMb, double loadedWeightsMb,
                       double largestTensorMb, double budgetMb, boolean withinBudget, String peakRssMethod) {}

  private LoadBenchmark() {}

  public static Result run(Plan plan) {
    RandomCheckpoint.write(plan.dir(), plan.config(), 1, Dtype.BF16, plan.shards());
    long checkpointBytes = safetensorsBytes(plan.dir());
    long largestElements;
    try (SafetensorsCheckpoint tensors = SafetensorsCheckpoint.openFolder(plan.dir())) {
      largestElements = tensors.names().stream().mapToLong(n -> tensors.info(n).elementCount()).max().orElse(0);
    }
    // The baseline is the process at rest with the engine loaded (libtorch's pages are not the loader's), and
    // without the garbage writing left on the heap.
    try (NDManager engine = NDManager.newBaseManager(); NDArray warm = engine.zeros(new Shape(1))) {
      warm.add(warm).close();
    }
    System.gc();
    try (PeakResidentMemory memory = PeakResidentMemory.start()) {
      long start = System.nanoTime();
      try (LanguageModel model = LanguageModel.load(plan.dir(), LoadOptions.cpu(plan.maxSequenceLength()))) {
        double seconds = (System.nanoTime() - start) / 1e9;
        double peak = memory.peakMegabytes();
        double weights = model.nativeBytes() / MB;
        double largest = largestElements * 4 / MB;
        double budget = (weights + largest) * 1.15;
        double taken = peak - memory.startMegabytes();
        return new Result(plan.shape(), plan.shards(), checkpointBytes / MB, seconds, checkpointBytes / 1e9 / seconds,
            peak, memory.startMegabytes(), taken, weights, largest, budget, taken <= budget, memory.method());
      }
    }
  }

  private static long safetensorsBytes(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".safetensors")).mapToLong(p -> {
        try {
          return Files.size(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }).sum();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
    }
  }
}
