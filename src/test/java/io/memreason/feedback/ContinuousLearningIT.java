package io.memreason.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.avro.ModelAccuracy;
import io.memreason.kafka.EmbeddedKafka;
import io.memreason.kafka.EmbeddedKafkaExtension;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The learning loop on the scripted fact-book model: the mechanism (labels, examples, trigger, retraining, gate,
 * promotion, hot swap under traffic, exactly once) with a model whose learning is exact, so its figures show the loop,
 * not a model's quality.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class ContinuousLearningIT {
  @TempDir
  Path dir;

  @Test
  void correctionsRetrainAVersionThatIsSwappedInUnderTrafficAndAnswersTheHeldOutFactsRight(EmbeddedKafka kafka)
      throws Exception {
    try (FactBookWorld world = new FactBookWorld(dir, Duration.ofMillis(20))) {
      ContinuousLearningScenario.Figures figures = new ContinuousLearningScenario(world, dir, Duration.ofMillis(50),
          Duration.ofMinutes(2)).run(kafka.bootstrapServers());
      System.out.println("ContinuousLearningIT (scripted fact-book model): " + figures.describe());

      assertEquals(0.0, figures.checkAccuracy("v1"), "version 1 does not know the held-out facts");
      assertEquals(1.0, figures.checkAccuracy("v2"), "version 2 learned them from the corrections");
      ModelAccuracy v1 = figures.liveAccuracy().get("v1");
      ModelAccuracy v2 = figures.liveAccuracy().get("v2");
      assertEquals(world.teaching().size(), v1.getLabelled());
      assertEquals(0, v1.getCorrect());
      assertEquals(world.teaching().size(), v1.getMemoryStepsWrong(), "every wrong answer came from a wrong memory");
      assertEquals(world.teaching().size(), v2.getCorrect());
      assertTrue(figures.swapPause().compareTo(Duration.ofSeconds(2)) < 0,
          "the stream kept answering through the swap: " + figures.swapPause());
    }
  }
}
