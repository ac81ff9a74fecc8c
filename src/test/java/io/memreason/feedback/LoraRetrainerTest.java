package io.memreason.feedback;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.memreason.interop.ReferenceCheckpoint;
import io.memreason.interop.ReferenceImport;
import io.memreason.llm.LanguageModel;
import io.memreason.llm.adapter.StepTokenWeights;
import io.memreason.llm.random.ModelShape;
import io.memreason.llm.random.RandomCheckpoint;
import io.memreason.llm.safetensors.Dtype;
import io.memreason.llm.weights.WeightLoader.LoraMode;
import io.memreason.reasoning.StepKind;
import io.memreason.reasoning.StepText;
import io.memreason.registry.ModelSource;
import io.memreason.training.LoraTargets;
import io.memreason.training.SeedExample;
import io.memreason.training.TrainingSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Retraining a tiny random model with the real trainer: what it writes loads, and a second round continues it. */
class LoraRetrainerTest {
  @TempDir
  Path dir;

  private static final RetrainingData DATA = new RetrainingData(
      List.of(new LabelledTrace("q1", "Where was Ilva born?", List.of(new StepText(StepKind.MEMORY,
          "Ilva was born in Osk."), new StepText(StepKind.REASON, "So the answer is Osk.")), "Osk"),
          new LabelledTrace("q2", "Where was Juno born?", List.of(new StepText(StepKind.MEMORY,
              "Juno was born in Pell.")), "Pell")),
      List.of(new SeedExample("Is ice cold?", "True", List.of("[rag]: Ice is frozen water.", "[reason]: So yes."),
          "train")));

  /** Small LoRA, P=2 S=1 step tokens, one epoch of two-sequence steps. */
  private LoraRetrainer retrainer() {
    return new LoraRetrainer(new TrainingSettings(TrainingSettings.Scope.LORA,
        new TrainingSettings.Lora(4, 8, 0f, LoraTargets.MLP), 1, 2, 1, 64, 1e-2f, 0f, 0f, 1f, 11, 2, 1, false),
        dir.resolve("work"));
  }

  @Test
  void writesAnAdapterTheRuntimeLoadsAndASecondRoundContinuesIt() throws Exception {
    Path base = dir.resolve("base");
    RandomCheckpoint.write(base, ModelShape.TINY, 7, Dtype.F32);
    Path first = Files.createDirectories(dir.resolve("v2"));

    retrainer().train(new ModelSource("v1", base, Optional.empty()), DATA, first);

    assertEquals(List.of("adapter_config.json", "adapter_model.safetensors", "step_tokens.json",
        "step_tokens.safetensors"), names(first));
    try (LanguageModel loaded = LanguageModel.load(base, LanguageModel.LoadOptions.cpu(64)
        .withAdapter(first, LoraMode.MERGED))) {
      assertEquals(6, loaded.stepTokens().orElseThrow().tokens().size(), "P=2 prefix tokens and S=1 for each of 4 kinds");
    }
    assertEquals(List.of(), names(dir.resolve("work")), "the scratch run is removed");

    Path second = Files.createDirectories(dir.resolve("v3"));
    retrainer().train(new ModelSource("v2", base, Optional.of(first)), DATA, second);

    assertNotEquals(Files.readString(first.resolve("adapter_model.safetensors"), java.nio.charset.StandardCharsets.ISO_8859_1),
        Files.readString(second.resolve("adapter_model.safetensors"), java.nio.charset.StandardCharsets.ISO_8859_1),
        "the second round moved the factors on");
    assertTrue(Files.size(second.resolve("adapter_model.safetensors")) > 0);
  }

  @Test
  void continuesAnImportedReferenceCheckpointInItsOwnShapeWithItsTokenizerAndItsFrozenBias() throws Exception {
    Path seed = Path.of(System.getProperty("memreason.shared", "../shared"), "reference-runs", "seed-checkpoint");
    Path base = seed.resolve("base");
    Path parent = ReferenceImport.run(ReferenceCheckpoint.locate(seed.resolve("run"), Optional.of("checkpoint-80")),
        base, dir.resolve("v1")).out();
    Path candidate = Files.createDirectories(dir.resolve("v2"));

    // Settings of another shape (r=4): the parent's r=16 adapter is continued as it is.
    retrainer().train(new ModelSource("v1", base, Optional.of(parent)), DATA, candidate);

    assertTrue(Files.readString(candidate.resolve("adapter_config.json")).contains("\"r\": 16"));
    assertEquals(Files.readString(parent.resolve("tokenizer.json")), Files.readString(candidate.resolve("tokenizer.json")),
        "the candidate keeps the checkpoint's tokenizer");
    try (NDManager m = NDManager.newBaseManager()) {
      StepTokenWeights before = StepTokenWeights.read(parent, 64, m);
      StepTokenWeights after = StepTokenWeights.read(candidate, 64, m);
      assertArrayEquals(before.newOutBias().toFloatArray(), after.newOutBias().toFloatArray(),
          "the output bias is frozen and kept");
      assertNotEquals(0f, before.newOutBias().abs().sum().getFloat());
      assertFalse(before.newIn().contentEquals(after.newIn()), "the step tokens' input rows trained on");
    }
    try (LanguageModel loaded = LanguageModel.load(base, LanguageModel.LoadOptions.cpu(64)
        .withAdapter(candidate, LoraMode.MERGED))) {
      // The reference's ids (the space before each added token absorbed into it), for its first test prompt.
      JsonObject prompt = JsonParser.parseString(Files.readString(seed.resolve("expected.json"))).getAsJsonObject()
          .getAsJsonArray("prompts").get(0).getAsJsonObject();
      int[] expected = new Gson().fromJson(prompt.get("input_ids"), int[].class);
      assertArrayEquals(expected, loaded.tokenizer().encode(prompt.get("text").getAsString()));
    }
  }

  private static List<String> names(Path folder) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
