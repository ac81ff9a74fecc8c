package io.memreason.llm.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.memreason.llm.LanguageModel;
import io.memreason.llm.LanguageModel.LoadOptions;
import io.memreason.llm.TinyModels;
import io.memreason.llm.adapter.LoraAdapter;
import io.memreason.llm.adapter.LoraPair;
import io.memreason.llm.adapter.LoraTarget;
import io.memreason.llm.adapter.StepTokenVocabulary;
import io.memreason.reasoning.StepTokens;
import io.memreason.llm.adapter.StepTokenWeights;
import io.memreason.llm.adapter.TargetModules;
import io.memreason.llm.model.LayerWeights;
import io.memreason.llm.model.LlamaConfig;
import io.memreason.llm.model.LlamaModel;
import io.memreason.llm.model.LlamaWeights;
import io.memreason.llm.model.MergedTokenTables;
import io.memreason.llm.model.TrainableTokenTables;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The form training uses: base weights frozen, LoRA factors and step-token rows as separate arrays folded in
 * every step. It must compute what serving computes, and gradients must reach exactly the trainable arrays.
 */
class TrainingPathTest {
  @TempDir
  Path dir;

  private static NDArray gaussian(NDManager m, SplittableRandom r, double std, long... shape) {
    int n = (int) new Shape(shape).size();
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (r.nextGaussian() * std);
    }
    return m.create(v, new Shape(shape));
  }

  @Test
  void trainableFormMatchesServingAndGradientsReachOnlyTrainableArrays() {
    Path model = TinyModels.write(dir.resolve("model"));
    Path adapterDir = dir.resolve("adapter");
    SplittableRandom random = new SplittableRandom(3);
    try (NDManager params = NDManager.newBaseManager()) {
      LanguageModel probe = LanguageModel.load(model, LoadOptions.cpu(32));
      LlamaConfig c = probe.config();
      probe.close();
      List<Map<LoraTarget, LoraPair>> factors = new ArrayList<>();
      for (int l = 0; l < c.layers(); l++) {
        Map<LoraTarget, LoraPair> layer = new EnumMap<>(LoraTarget.class);
        for (LoraTarget t : new LoraTarget[] {LoraTarget.Q, LoraTarget.V, LoraTarget.UP, LoraTarget.DOWN}) {
          layer.put(t, new LoraPair(gaussian(params, random, 0.1, 8, t.inFeatures(c)),
              gaussian(params, random, 0.1, t.outFeatures(c), 8)));
        }
        factors.add(layer);
      }
      LoraAdapter adapter = new LoraAdapter(new LoraAdapter.Settings(8, 16, false, 0.05,
          TargetModules.of(List.of("q_proj", "v_proj", "up_proj", "down_proj"))), factors);
      adapter.write(adapterDir, "tiny");
      StepTokenVocabulary vocabulary = StepTokens.of(1, 1).vocabulary();
      StepTokenWeights stepTokens = new StepTokenWeights(vocabulary, gaussian(params, random, 0.05, 5, c.hiddenSize()),
          gaussian(params, random, 0.05, 5, c.hiddenSize()), gaussian(params, random, 0.5, 5));
      stepTokens.write(adapterDir);

      int v = c.vocabSize();
      int[][] ids = {{1, 30, v, 31, v + 4, 50, 51}, {0, 0, 1, v + 2, 70, v, 71}};
      int[][] mask = {{1, 1, 1, 1, 1, 1, 1}, {0, 0, 1, 1, 1, 1, 1}};
      float[] serving;
      try (LanguageModel lm = LanguageModel.load(model, LoadOptions.cpu(32).withAdapter(adapterDir,
          WeightLoader.LoraMode.MERGED)); NDManager m = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
        scope.suppressNotUsedWarning();
        serving = lm.model().forward(m, ids, mask).toFloatArray();
      }

      try (LanguageModel base = LanguageModel.load(model, LoadOptions.cpu(32))) {
        LlamaWeights weights = base.model().weights();
        MergedTokenTables tables = (MergedTokenTables) weights.tokens();
        List<NDArray> trainable = new ArrayList<>(List.of(stepTokens.newIn(), stepTokens.newOutWeight()));
        factors.forEach(layer -> layer.values().forEach(p -> {
          trainable.add(p.a());
          trainable.add(p.b());
        }));
        trainable.forEach(a -> a.setRequiresGradient(true));
        float[] training;
        try (NDManager step = NDManager.newBaseManager(); NDScope scope = new NDScope();
             GradientCollector collector = Engine.getInstance().newGradientCollector()) {
          scope.suppressNotUsedWarning();
          List<LayerWeights> layers = LoraFolding.attach(weights, adapter, step);
          TrainableTokenTables rows = new TrainableTokenTables(tables.input().get("0:" + v), tables.output(),
              stepTokens.newIn(), stepTokens.newOutWeight(), stepTokens.newOutBias(), weights.layout());
          LlamaModel trainingModel = base.model().withWeights(weights.with(layers, rows));
          NDArray logits = trainingModel.forward(step, ids, mask);
          training = logits.toFloatArray();
          collector.backward(logits.mul(step.create(new float[] {0.01f})).sum());
          for (NDArray a : trainable) {
            try (NDArray g = a.getGradient()) {
              float norm = g.square().sum().getFloat();
              assertTrue(norm > 0 && Float.isFinite(norm), "gradient of trainable array " + trainable.indexOf(a)
                  + " " + a.getShape() + " is " + norm);

            }
          }
          assertFalse(tables.input().hasGradient(), "the base embedding is frozen");
          assertFalse(weights.layers().get(0).qkv().weight().hasGradient(), "base projections are frozen");
        }
        assertEquals(serving.length, training.length);
        int vocab = base.model().vocabularySize() + 5;
        double worst = 0;
        for (int i = 0; i < serving.length; i++) {
          boolean padding = (i / vocab) == 7 || (i / vocab) == 8;
          if (!padding) {
            worst = Math.max(worst, Math.abs(serving[i] - training[i]));
          }
        }
        assertTrue(worst < 1e-5, "training form differs from serving by " + worst);
      }
    }
  }
}
