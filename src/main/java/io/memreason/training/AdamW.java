package io.memreason.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.memreason.llm.CheckpointException;
import io.memreason.llm.safetensors.Dtype;
import io.memreason.llm.safetensors.SafetensorsCheckpoint;
import io.memreason.llm.safetensors.SafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW with decoupled weight decay, running DJL's fused PyTorch update ({@code adamUpdate}, the kernel of DJL's
 * own {@code AdamW}) on moment arrays this class owns. DJL's optimizer keeps its moments private and creates them
 * lazily, so they can neither be saved for resuming nor be kept out of a step's scope; here they are made up front,
 * saved as {@code optimizer.safetensors} ({@code <name>.exp_avg}, {@code <name>.exp_avg_sq}, torch's names) and
 * read back. The update also zeroes each gradient, ready for the next accumulation.
 */
public final class AdamW {
  /** The moments file inside a checkpoint. */
  public static final String FILE = "optimizer.safetensors";
  private static final float BETA1 = 0.9f;
  private static final float BETA2 = 0.999f;
  private static final float EPSILON = 1e-8f;

  private record Moments(NDArray mean, NDArray variance) {}

  private final List<TrainableParameter> parameters;
  private final Map<String, Moments> moments = new LinkedHashMap<>();
  private final float weightDecay;
  private int updates;

  /** Zero moments for every parameter, owned by {@code manager}. */
  public AdamW(List<TrainableParameter> parameters, float weightDecay, NDManager manager) {
    this.parameters = List.copyOf(parameters);
    this.weightDecay = weightDecay;
    for (TrainableParameter p : parameters) {
      NDArray w = p.array();
      moments.put(p.name(), new Moments(manager.zeros(w.getShape(), w.getDataType()),
          manager.zeros(w.getShape(), w.getDataType())));
    }
  }

  /** Updates already applied (the bias correction's t). */
  public int updates() {
    return updates;
  }

  /** One update of every parameter from its gradient, at learning rate {@code lr}; zeroes the gradients. */
  public void step(float lr) {
    updates++;
    double meanCorrection = 1 - Math.pow(BETA1, updates);
    double varianceCorrection = 1 - Math.pow(BETA2, updates);
    float correctedLr = (float) (lr * Math.sqrt(varianceCorrection) / meanCorrection);
    for (TrainableParameter p : parameters) {
      Moments m = moments.get(p.name());
      NDArray w = p.array();
      try (NDArray grad = w.getGradient()) {
        w.getNDArrayInternal().adamUpdate(new NDList(w, grad, m.mean(), m.variance()), new NDList(w), lr,
            correctedLr, weightDecay, 1f, -1f, BETA1, BETA2, EPSILON, true, true);
      }
    }
  }

  /** Writes the moments of every parameter into {@code dir}. */
  public void save(Path dir) {
    SafetensorsWriter writer = new SafetensorsWriter();
    moments.forEach((name, m) -> writer.addArray(name + ".exp_avg", m.mean(), Dtype.F32)
        .addArray(name + ".exp_avg_sq", m.variance(), Dtype.F32));
    writer.write(dir.resolve(FILE));
  }

  /**
   * Restores the moments saved in {@code dir} after {@code updatesDone} updates; call before the first step.
   *
   * @throws CheckpointException if the file is missing or its tensors do not match the parameters
   */
  public void restore(Path dir, int updatesDone) {
    Path file = dir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      throw new CheckpointException(FILE + " not found in " + dir + ": the checkpoint cannot be resumed");
    }
    try (SafetensorsCheckpoint saved = SafetensorsCheckpoint.openFile(file);
         NDManager work = NDManager.newBaseManager()) {
      moments.forEach((name, m) -> {
        copyInto(saved, name + ".exp_avg", m.mean(), work);
        copyInto(saved, name + ".exp_avg_sq", m.variance(), work);
      });
    }
    updates = updatesDone;
  }

  private static void copyInto(SafetensorsCheckpoint saved, String name, NDArray target, NDManager work) {
    if (!saved.contains(name) || !Arrays.equals(saved.shape(name), target.getShape().getShape())) {
      throw new CheckpointException(saved.describe() + " has no tensor '" + name + "' of shape " + target.getShape()
          + ": the optimizer state belongs to another run");
    }
    NDArray values = saved.load(name, work).toType(target.getDataType(), false);
    target.addi(values);
  }
}
