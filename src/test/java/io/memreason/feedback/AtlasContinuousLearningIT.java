package io.memreason.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.avro.Answer;
import io.memreason.avro.ModelAccuracy;
import io.memreason.avro.ReasoningStep;
import io.memreason.avro.StepKind;
import io.memreason.config.MemreasonConfig;
import io.memreason.kafka.EmbeddedKafka;
import io.memreason.kafka.EmbeddedKafkaExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The learning loop with memreason's default model on the atlas world (acceptance of continuous retraining): version
 * 1 answers questions about held-out facts wrongly, a scripted labeller corrects them, the retraining promotes
 * version 2 and the pipeline swaps it in while check questions keep flowing; version 2 answers the held-out facts
 * better, and no question is lost or answered twice. The default model is built into the model cache the first time
 * (a few minutes) and reused afterwards.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class AtlasContinuousLearningIT {
  @TempDir
  Path dir;

  @Test
  void versionTwoLearnsTheHeldOutFactsFromCorrectionsAndIsSwappedInUnderTraffic(EmbeddedKafka kafka) throws Exception {
    AtlasLearningWorld world = new AtlasLearningWorld(dir, MemreasonConfig.defaults().model().cacheDir());
    ContinuousLearningScenario.Figures figures = new ContinuousLearningScenario(world, dir, Duration.ofMillis(100),
        Duration.ofMinutes(5)).run(kafka.bootstrapServers());
    Map<String, double[]> memory = memoryStepsOfChecks(world, figures.answers());
    System.out.println("AtlasContinuousLearningIT (default model): " + figures.describe() + "; " + describe(memory));

    String v2 = figures.retrain().candidate().orElseThrow().name().value();
    ModelAccuracy before = figures.liveAccuracy().get("v1");
    ModelAccuracy after = figures.liveAccuracy().get(v2);
    assertEquals(world.teaching().size(), before.getLabelled());
    assertEquals(world.teaching().size(), after.getLabelled());
    assertTrue(after.getCorrect() >= before.getCorrect() + world.teaching().size() / 4,
        "the taught questions: " + before.getCorrect() + " right before, " + after.getCorrect() + " after");
    assertTrue(after.getMemoryStepsWrong() < before.getMemoryStepsWrong(), "memory steps about held-out facts: "
        + before.getMemoryStepsWrong() + " wrong before, " + after.getMemoryStepsWrong() + " after");
    assertTrue(figures.swapPause().compareTo(Duration.ofSeconds(2)) < 0,
        "the stream kept answering through the swap: " + figures.swapPause());
  }

  /** Per version: memory steps written for the check questions, and the share the world's judge finds true. */
  private static Map<String, double[]> memoryStepsOfChecks(AtlasLearningWorld world, List<Answer> answers) {
    Map<String, double[]> byVersion = new TreeMap<>();
    for (Answer a : answers) {
      if (!a.getQuestionId().startsWith("check-")) {
        continue;
      }
      for (ReasoningStep s : a.getSteps()) {
        if (s.getKind() == StepKind.MEMORY) {
          double[] c = byVersion.computeIfAbsent(a.getModelVersion(), v -> new double[2]);
          c[0] += world.isTrue(s) ? 1 : 0;
          c[1]++;
        }
      }
    }
    return byVersion;
  }

  private static String describe(Map<String, double[]> memory) {
    StringBuilder s = new StringBuilder();
    memory.forEach((v, c) -> s.append(String.format(Locale.ROOT, "memory steps of checks %s: %.0f/%.0f true; ", v,
        c[0], c[1])));
    return s.toString();
  }
}
