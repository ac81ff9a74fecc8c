package io.memreason.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.llm.LanguageModel;
import io.memreason.llm.LanguageModel.LoadOptions;
import io.memreason.training.atlas.AtlasDataset;
import io.memreason.training.atlas.AtlasWorld;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DefaultModelTest {
  @TempDir
  Path dir;

  /** A world and model small enough to build in seconds. */
  private static DefaultModel.Recipe tinyRecipe() {
    TrainingSettings settings = new TrainingSettings(TrainingSettings.Scope.FULL, null, 2, 16, 1, 64, 1e-2f, 0f, 0.1f,
        1f, 3, 1, 1, false);
    return new DefaultModel.Recipe(3, new AtlasDataset.Sizes(new AtlasWorld.Sizes(2, 2, 4, 6, 3, 3), 1, 8, 3, 2), 32,
        64, 1, 2, 128, settings);
  }

  @Test
  void buildsTheSameModelFromTheSameSeedAndReusesTheCachedOne() throws Exception {
    DefaultModel.Recipe recipe = tinyRecipe();
    DefaultModel.Built first = DefaultModel.build(dir.resolve("a"), recipe, quiet());
    DefaultModel.Built second = DefaultModel.build(dir.resolve("b"), recipe, quiet());
    for (String file : List.of("model.safetensors", "step_tokens.safetensors", "tokenizer.json", "config.json")) {
      assertArrayEquals(Files.readAllBytes(first.folder().resolve(file)), Files.readAllBytes(second.folder().resolve(file)),
          file + " differs between two builds of one recipe");
    }
    DefaultModel.Report report = first.report();
    assertEquals(recipe.id(), report.id());
    assertTrue(report.testQuestions() > 0 && report.heldOutQuestions() > 0, report.toString());
    assertTrue(report.heldOutChance() > 0 && report.heldOutChance() <= 0.5, report.toString());
    assertEquals(report, DefaultModel.report(dir.resolve("a"), recipe));

    FileTime built = Files.getLastModifiedTime(first.folder().resolve("model.safetensors"));
    assertEquals(first.folder(), DefaultModel.ensure(dir.resolve("a"), recipe, quiet()));
    assertEquals(built, Files.getLastModifiedTime(first.folder().resolve("model.safetensors")), "rebuilt");
    try (Stream<Path> left = Files.list(dir.resolve("a"))) {
      assertEquals(List.of(first.folder()), left.toList(), "only the finished model stays in the cache");
    }
    try (LanguageModel model = LanguageModel.load(first.folder(), LoadOptions.cpu(128))) {
      assertTrue(model.hasTokenizer());
      assertEquals(List.of("<prefix_0>", "<answer_0>", "<assignment_0>", "<reason_0>", "<memory_0>"),
          model.stepTokens().orElseThrow().tokens());
    }
  }

  private static TrainingProgress quiet() {
    return TrainingProgress.logLines(Duration.ofMinutes(10));
  }
}
