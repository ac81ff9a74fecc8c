package io.memreason.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.llm.LanguageModel;
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

  private static List<String> names(Path folder) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
