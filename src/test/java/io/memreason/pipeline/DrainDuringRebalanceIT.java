package io.memreason.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.avro.Question;
import io.memreason.config.MemreasonConfig;
import io.memreason.config.ShutdownBudget;
import io.memreason.kafka.EmbeddedKafka;
import io.memreason.kafka.EmbeddedKafkaExtension;
import io.memreason.reasoning.Reasoner;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A pipeline told to stop while its group rebalances (a second instance is joining) still drains: the questions the
 * model is working on for the partitions it still owns are answered by it before it leaves, and it closes cleanly
 * within the shutdown budget. Questions of a partition the rebalance moves away meanwhile are left, pending, to their
 * new owner (holding the rebalance up until they are finished would stall the whole group), which answers them once.
 * Before issue 14 the drain was skipped whenever the state was not RUNNING.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class DrainDuringRebalanceIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(180);
  /** Enough that the first instance is still busy when the second one has started and joins. */
  private static final int QUESTIONS = 3000;

  @Test
  void aPipelineClosedWhileItsGroupRebalancesDrainsAndClosesWithinTheBudget(EmbeddedKafka kafka) throws Exception {
    String name = "drain-" + UUID.randomUUID().toString().substring(0, 8);
    MemreasonConfig first = PipelineFixture.withTopics(PipelineFixture.configNamed(kafka.bootstrapServers(), name));
    MemreasonConfig second = first.with(Map.of("streams.state.dir",
        Path.of("target", "it-state", name + "-second").toAbsolutePath().toString()));
    List<Question> questions = PipelineFixture.questions("r", QUESTIONS);
    SimpleMeterRegistry firstMeters = new SimpleMeterRegistry();
    try (Reasoner firstModel = PipelineFixture.reasoner();
         Reasoner secondModel = PipelineFixture.reasoner();
         PublishedRecords published = new PublishedRecords(first)) {
      InferencePipeline leaving = InferencePipeline.start(first, firstModel, firstMeters);
      leaving.awaitRunning(TIMEOUT);
      PipelineFixture.produce(first, questions, List.of());
      published.pollUntil(() -> published.answers.size() >= 50, TIMEOUT, "the first answers");

      try (InferencePipeline joining = InferencePipeline.start(second, secondModel, new SimpleMeterRegistry())) {
        awaitState(leaving, KafkaStreams.State.REBALANCING);
        double withTheModel = firstMeters.get("memreason.pending.questions").gauge().value();
        long answeredBefore = firstMeters.get("memreason.answer.latency").timer().count();
        long start = System.nanoTime();
        leaving.close(); // what the shutdown hook does on SIGTERM
        Duration closing = Duration.ofNanos(System.nanoTime() - start);
        long answeredWhileClosing = firstMeters.get("memreason.answer.latency").timer().count() - answeredBefore;
        System.out.printf("DrainDuringRebalanceIT: %s with the model at the close, %d answered while closing, closed"
            + " in %d ms%n", withTheModel, answeredWhileClosing, closing.toMillis());

        assertTrue(withTheModel > 0, "the close must begin while the model has questions");
        assertTrue(answeredWhileClosing > 0, "the drain must answer questions with the model, not be skipped");
        assertEquals(KafkaStreams.State.NOT_RUNNING, leaving.state(), "a clean close, not an error");
        assertTrue(closing.compareTo(ShutdownBudget.GRACE) < 0, "closed in " + closing + ", the budget is "
            + ShutdownBudget.GRACE);

        joining.awaitRunning(TIMEOUT);
        published.pollUntil(() -> published.answers.size() >= QUESTIONS, TIMEOUT, "all answers");
        published.drainFor(Duration.ofSeconds(1));
      }
      published.assertEachAnsweredOnceWithEachStepOnce(questions.stream().map(Question::getId).toList());
    }
  }

  /** Polls often: a rebalance of an idle-state group may last well under a second. */
  private static void awaitState(InferencePipeline pipeline, KafkaStreams.State state) throws InterruptedException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (pipeline.state() != state) {
      assertTrue(System.nanoTime() < deadline, "the pipeline never reached " + state + " (it is " + pipeline.state()
          + ")");
      Thread.sleep(1);
    }
  }
}
