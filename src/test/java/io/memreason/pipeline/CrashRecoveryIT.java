package io.memreason.pipeline;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.avro.Question;
import io.memreason.config.MemreasonConfig;
import io.memreason.kafka.EmbeddedKafka;
import io.memreason.kafka.EmbeddedKafkaExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The pipeline process is killed without warning (no close, no commit, no leaving the group) several times
 * while it generates, and started again; in the end every question has exactly one answer and every step
 * was published exactly once.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class CrashRecoveryIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(180);
  private static final int QUESTIONS = 120;
  /** Kill the process once this many answers have been published and a question is mid-trace. */
  private static final List<Integer> KILL_AFTER_ANSWERS = List.of(15, 45, 80);

  @Test
  void killedMidGenerationAndRestartedLosesAndDuplicatesNothing(EmbeddedKafka kafka) throws Exception {
    String name = "crash-" + UUID.randomUUID().toString().substring(0, 8);
    MemreasonConfig config = PipelineFixture.withTopics(PipelineFixture.configNamed(kafka.bootstrapServers(), name));
    PipelineFixture.defaultModel(); // built here, not by a pipeline process that is killed
    List<Question> questions = PipelineFixture.questions("c", QUESTIONS);
    PipelineFixture.produce(config, questions, List.of());
    int killsWithPartialTraces = 0;

    try (PublishedRecords published = new PublishedRecords(config)) {
      for (int run = 0; run < KILL_AFTER_ANSWERS.size(); run++) {
        int threshold = KILL_AFTER_ANSWERS.get(run);
        Process process = startPipelineProcess(kafka, name, run);
        try {
          // Kill once a question's first steps are visible without its answer (or, failing that, 20 answers later).
          published.pollUntil(() -> published.answers.size() >= threshold
              && (!published.questionsMidTrace().isEmpty() || published.answers.size() >= threshold + 20),
              TIMEOUT, threshold + " answers");
        } finally {
          process.destroyForcibly().waitFor();
        }
        published.drainFor(Duration.ofMillis(500)); // everything the dead process committed
        if (!published.questionsMidTrace().isEmpty()) {
          killsWithPartialTraces++;
        }
        System.out.printf("CrashRecoveryIT: killed run %d after %d answers; questions mid-trace: %s%n", run,
            published.answers.size(), published.questionsMidTrace());
      }
      Process last = startPipelineProcess(kafka, name, KILL_AFTER_ANSWERS.size());
      try {
        published.pollUntil(() -> published.answers.size() >= QUESTIONS, TIMEOUT, "all answers");
        published.drainFor(Duration.ofSeconds(1));
      } finally {
        last.destroyForcibly().waitFor();
      }
      published.assertEachAnsweredOnceWithEachStepOnce(questions.stream().map(Question::getId).toList());
    }
    assertTrue(killsWithPartialTraces > 0, "at least one kill must hit questions whose steps were partly published");
  }

  private static Process startPipelineProcess(EmbeddedKafka kafka, String name, int run) throws IOException {
    Path log = Path.of("target", "it-state", name + "-run" + run + ".log");
    Files.createDirectories(log.getParent());
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
        PipelineProcess.class.getName(), kafka.bootstrapServers(), name)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }
}
