package io.memreason.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import io.memreason.llm.TinyModels;
import io.memreason.llm.model.LlamaConfig;
import io.memreason.llm.model.ProjectionBiases;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Autograd through the folded forward pass against central finite differences, in double precision. */
class GradientCheckTest {
  private static final double EPSILON = 1e-5;

  @TempDir
  Path dir;

  /** On Llama and on Qwen2 (whose q/k/v biases stay frozen: not parameters, no gradient). */
  @ParameterizedTest
  @ValueSource(strings = {"llama", "qwen2-tied"})
  void gradientsOfLoraFactorsAndStepTokenRowsMatchFiniteDifferences(String variant) {
    LlamaConfig config = TinyModels.of(variant);
    try (LoraModel model = TrainingFixtures.randomLora(config, TrainingFixtures.lora(LoraTargets.ALL_LINEAR, 0f, 1e-3f),
        DataType.FLOAT64); NDManager manager = NDManager.newBaseManager()) {
      assertTrue(model.parameters().stream().noneMatch(p -> p.name().endsWith(".bias") && !p.name().startsWith("new_")),
          "no projection bias is trained by LoRA");
      // B starts at zero, where A's gradient vanishes: give B values so both factors are exercised.
      SplittableRandom random = new SplittableRandom(3);
      for (TrainableParameter p : model.parameters()) {
        if (p.name().endsWith("lora_B.weight")) {
          p.array().addi(manager.create(randomValues(random, (int) p.array().size(), 0.05), p.array().getShape()));
        }
      }
      check(model, random, manager);
      Optional<NDArray> bias = model.forStep(manager, false).weights().layers().get(0).qkv().bias();
      assertEquals(config.biases().queryKeyValue(), bias.isPresent());
      bias.ifPresent(b -> assertFalse(b.hasGradient(), "the q/k/v bias is frozen"));
    }
  }

  /** Every tensor of the checkpoint, Qwen2's q/k/v biases and Llama's attention and MLP biases included. */
  @ParameterizedTest
  @ValueSource(strings = {"qwen2", "llama-biases"})
  void gradientsOfEveryParameterOfAFullModelMatchFiniteDifferences(String variant) {
    LlamaConfig config = TinyModels.of(variant);
    TrainingSettings settings = TrainingFixtures.lora(LoraTargets.MLP, 0f, 1e-3f);
    try (FullParameterModel model = FullParameterModel.open(TrainingFixtures.tinyCheckpoint(dir.resolve("tiny"),
        config), settings, DataType.FLOAT64, 64); NDManager manager = NDManager.newBaseManager()) {
      long biases = model.parameters().stream().filter(p -> p.name().endsWith("_proj.bias")).count();
      ProjectionBiases b = config.biases();
      assertEquals(config.layers() * ((b.queryKeyValue() ? 3 : 0) + (b.output() ? 1 : 0) + (b.mlp() ? 3 : 0)), biases);
      check(model, new SplittableRandom(4), manager);
    }
  }

  private static void check(TrainableModel model, SplittableRandom random, NDManager manager) {
    int v = TrainingFixtures.TINY.vocabSize();
    // Step tokens as inputs and as targets, so both new_in and new_out.weight get gradients.
    Batch batch = Batch.of(List.of(
        new TrainingSequence(new int[] {1, 40, 41, v, v + 2, 42, 43, v + 5, 44, 2}, 3),
        new TrainingSequence(new int[] {1, 50, v + 1, 51, v + 4, 52, 2}, 2)));
    double[][] analytic = gradients(model, batch, manager);
    List<TrainableParameter> parameters = model.parameters();
    for (int i = 0; i < parameters.size(); i++) {
      TrainableParameter p = parameters.get(i);
      assertTrue(Arrays.stream(analytic[i]).anyMatch(g -> g != 0), p.name() + " got no gradient");
      int size = (int) p.array().size();
      for (int probe = 0; probe < 3; probe++) {
        int index = random.nextInt(size);
        double numeric = finiteDifference(model, batch, p.array(), index, manager);
        double auto = analytic[i][index];
        double error = Math.abs(auto - numeric) / Math.max(Math.abs(numeric), 1e-7);
        assertTrue(error <= 1e-3, p.name() + "[" + index + "]: autograd " + auto + " vs finite difference "
            + numeric + " (relative error " + error + ")");
      }
    }
  }

  private static double[][] gradients(TrainableModel model, Batch batch, NDManager manager) {
    List<TrainableParameter> parameters = model.parameters();
    double[][] grads = new double[parameters.size()][];
    try (NDScope scope = new NDScope(); GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      collector.backward(loss(model, batch, manager));
      for (int i = 0; i < parameters.size(); i++) {
        grads[i] = parameters.get(i).array().getGradient().toDoubleArray();
      }
    }
    return grads;
  }

  private static double finiteDifference(TrainableModel model, Batch batch, NDArray parameter, int index,
                                         NDManager manager) {
    double[] step = new double[(int) parameter.size()];
    step[index] = EPSILON;
    try (NDArray delta = manager.create(step, parameter.getShape()); NDArray twice = delta.mul(2)) {
      parameter.addi(delta);
      double plus = lossValue(model, batch, manager);
      parameter.subi(twice);
      double minus = lossValue(model, batch, manager);
      parameter.addi(delta);
      return (plus - minus) / (2 * EPSILON);
    }
  }

  private static double lossValue(TrainableModel model, Batch batch, NDManager manager) {
    try (NDScope scope = new NDScope()) {
      return loss(model, batch, manager).getDouble();
    }
  }

  private static NDArray loss(TrainableModel model, Batch batch, NDManager m) {
    NDArray logits = model.forStep(m, false).forward(m, batch.ids(), batch.attentionMask());
    return CausalLmLoss.of(m, logits, batch, 1);
  }

  private static double[] randomValues(SplittableRandom random, int n, double scale) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = scale * (2 * random.nextDouble() - 1);
    }
    return v;
  }
}
