package io.memreason.training;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.Gson;
import io.memreason.llm.model.LlamaConfig;
import io.memreason.llm.random.RandomTensors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Training speed on a model shape with random weights: full LoRA + step-token steps (forward, backward, clipping,
 * AdamW) on random token sequences of a fixed size, reported as JSON lines, one per step and a summary.
 *
 * @param shapeName the shape's name, for the report
 * @param length tokens per sequence
 * @param warmupSteps steps run first and not measured
 */
public record TrainingBenchmark(String shapeName, LlamaConfig shape, TrainingSettings settings, int length,
                                int warmupSteps, int measuredSteps) {

  /** Runs the benchmark; {@code out} receives each JSON line. Returns the mean tokens/s of the measured steps. */
  public double run(Consumer<String> out) {
    long loadStart = System.nanoTime();
    try (LoraModel model = LoraModel.create(shape, new RandomTensors(shape, 1, 0.02), Optional.empty(),
        "random " + shapeName, TokenizerVocabulary.NONE, Optional.empty(), Optional.empty(), settings,
        DataType.FLOAT32, length + 1);
         NDManager optimizerState = NDManager.newBaseManager()) {
      double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
      List<TrainableParameter> parameters = model.parameters();
      long trainable = parameters.stream().mapToLong(p -> p.array().size()).sum();
      AdamW optimizer = new AdamW(parameters, settings.weightDecay(), optimizerState);
      TrainingStep step = new TrainingStep(model, settings, optimizer,
          new LearningRateSchedule(settings.learningRate(), 0, warmupSteps + measuredSteps));
      List<TrainingSequence> batch = randomBatch(model);
      double seconds = 0;
      long tokens = 0;
      for (int s = 0; s < warmupSteps + measuredSteps; s++) {
        long start = System.nanoTime();
        TrainingStep.Result result = step.run(batch, s);
        double elapsed = (System.nanoTime() - start) / 1e9;
        boolean measured = s >= warmupSteps;
        if (measured) {
          seconds += elapsed;
          tokens += result.tokens();
        }
        Map<String, Object> line = header();
        line.put("step", s + 1);
        line.put("warmup", !measured);
        line.put("seconds", round(elapsed, 3));
        line.put("tokens_per_second", round(result.tokens() / elapsed, 1));
        line.put("loss", round(result.loss(), 4));
        out.accept(new Gson().toJson(line));
      }
      double rate = tokens / seconds;
      Map<String, Object> summary = header();
      summary.put("measured_steps", measuredSteps);
      summary.put("tokens_per_second", round(rate, 1));
      summary.put("seconds_per_step", round(seconds / measuredSteps, 3));
      summary.put("trainable_parameters", trainable);
      summary.put("load_seconds", round(loadSeconds, 2));
      summary.put("torch_threads", System.getProperty("ai.djl.pytorch.num_threads", "default"));
      out.accept(new Gson().toJson(summary));
      return rate;
    }
  }

  private Map<String, Object> header() {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("bench", "train");
    line.put("shape", shapeName);
    line.put("batch", settings.batchSize());
    line.put("length", length);
    line.put("lora_target", settings.lora().targets().cliName());
    line.put("lora_r", settings.lora().rank());
    return line;
  }

  /** Random base tokens with a step-token group every few tokens, the first 16 positions unsupervised. */
  private List<TrainingSequence> randomBatch(LoraModel model) {
    SplittableRandom random = new SplittableRandom(7);
    int firstStep = model.firstStepTokenId();
    int stepTokens = model.stepTokens().tokens().size();
    List<TrainingSequence> batch = new ArrayList<>();
    for (int b = 0; b < settings.batchSize(); b++) {
      int[] ids = new int[length];
      ids[0] = Math.max(0, shape.bosTokenId());
      for (int i = 1; i < length; i++) {
        ids[i] = i % 24 == 0 ? firstStep + random.nextInt(stepTokens) : random.nextInt(firstStep);
      }
      batch.add(new TrainingSequence(ids, Math.min(16, length - 1)));
    }
    return batch;
  }

  private static double round(double value, int digits) {
    double scale = Math.pow(10, digits);
    return Math.round(value * scale) / scale;
  }
}
