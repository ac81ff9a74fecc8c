package io.memreason.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import java.util.List;

/**
 * One optimizer step: forward and backward over the step's micro-batches (DJL accumulates gradients across
 * gradient collectors; the update zeroes them), global-norm clipping, then the AdamW update at the schedule's
 * rate. Each micro-batch runs in its own {@code NDScope} with a step manager, so nothing native outlives it.
 */
public final class TrainingStep {

  /**
   * What a step did.
   *
   * @param loss the mean loss over the step's micro-batches
   * @param tokens real tokens processed
   * @param gradientNorm the global norm before clipping
   */
  public record Result(double loss, long tokens, double gradientNorm, float learningRate) {}

  private final TrainableModel model;
  private final TrainingSettings settings;
  private final AdamW optimizer;
  private final LearningRateSchedule schedule;
  private final List<TrainableParameter> parameters;

  public TrainingStep(TrainableModel model, TrainingSettings settings, AdamW optimizer, LearningRateSchedule schedule) {
    this.model = model;
    this.settings = settings;
    this.optimizer = optimizer;
    this.schedule = schedule;
    this.parameters = model.parameters();
  }

  /**
   * Runs update {@code step} (from 0) on {@code examples}, cut into micro-batches of the settings' batch size.
   *
   * @throws TrainingDivergedException on a non-finite loss or gradient norm (the model is left unchanged)
   */
  public Result run(List<TrainingSequence> examples, int step) {
    int microBatches = (examples.size() + settings.batchSize() - 1) / settings.batchSize();
    double loss = 0;
    long tokens = 0;
    for (int m = 0; m < microBatches; m++) {
      Batch batch = Batch.of(examples.subList(m * settings.batchSize(),
          Math.min((m + 1) * settings.batchSize(), examples.size())));
      loss += forwardAndBackward(batch, 1.0 / microBatches);
      tokens += batch.tokenCount();
    }
    double norm = GradientClipping.clip(parameters, settings.maxGradNorm());
    float lr = schedule.rate(step);
    optimizer.step(lr);
    return new Result(loss, tokens, norm, lr);
  }

  private double forwardAndBackward(Batch batch, double scale) {
    try (NDManager manager = NDManager.newBaseManager(); NDScope scope = new NDScope();
         GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      NDArray logits = model.forStep(manager, true).forward(manager, batch.ids(), batch.attentionMask());
      NDArray value = CausalLmLoss.of(manager, logits, batch, scale);
      collector.backward(value);
      double v = value.toType(DataType.FLOAT64, false).getDouble();
      if (!Double.isFinite(v)) {
        throw new TrainingDivergedException("the loss is " + v + ": training diverged; lower --lr");
      }
      return v;
    }
  }
}
