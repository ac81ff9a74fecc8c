package io.memreason.pipeline;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.avro.Question;
import io.memreason.config.MemreasonConfig;
import io.memreason.kafka.ClientProperties;
import io.memreason.kafka.EmbeddedKafka;
import io.memreason.kafka.EmbeddedKafkaExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The pipeline process is killed without warning (no close, no commit, no leaving the group) while it generates:
 * restarted on its state several times; or, one of two instances, never restarted (the other takes over alone); or
 * replaced by an instance with an empty state directory. In the end every question has exactly one answer and every
 * step was published exactly once.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class CrashRecoveryIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(180);
  private static final int QUESTIONS = 120;
  /** Kill the process once this many answers have been published and a question is mid-trace. */
  private static final List<Integer> KILL_AFTER_ANSWERS = List.of(15, 45, 80);
  /** Enough that the victim still has questions of its own when it dies, few enough to keep the test short. */
  private static final int TWO_INSTANCE_QUESTIONS = 120;

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

  @Test
  void oneOfTwoKilledForGoodTheOtherTakesOverAlone(EmbeddedKafka kafka) throws Exception {
    killOneOfTwo(kafka, "gone", false);
  }

  @Test
  void oneOfTwoKilledAndReplacedWithAnEmptyStateDirectory(EmbeddedKafka kafka) throws Exception {
    killOneOfTwo(kafka, "replaced", true);
  }

  /**
   * Two instances share the questions; once the victim has answered some of its partitions' questions and has more
   * to do, it is killed; with {@code replace}, a new instance with a state directory of its own (a new transactional
   * id, nothing restored locally) starts at once. The dead instance's partitions are answered by the others.
   */
  private void killOneOfTwo(EmbeddedKafka kafka, String what, boolean replace) throws Exception {
    String name = "crash-" + what + "-" + UUID.randomUUID().toString().substring(0, 8);
    MemreasonConfig config = PipelineFixture.withTopics(PipelineFixture.configNamed(kafka.bootstrapServers(), name));
    PipelineFixture.defaultModel();
    int partitions = config.topics().partitions();
    List<Question> questions = PipelineFixture.questions("g", TWO_INSTANCE_QUESTIONS);
    List<Process> processes = new ArrayList<>();
    try (PublishedRecords published = new PublishedRecords(config);
         Admin admin = Admin.create(ClientProperties.admin(config))) {
      String survivor = name + "-a";
      String victim = name + "-b";
      processes.add(startPipelineProcess(kafka, name, survivor));
      Process victimProcess = startPipelineProcess(kafka, name, victim);
      processes.add(victimProcess);
      Set<Integer> victimPartitions = awaitBothOwnPartitions(admin, name, config.topics().questions(), survivor,
          victim);
      PipelineFixture.produce(config, questions, List.of());
      Set<String> victimQuestions = questions.stream().map(Question::getId)
          .filter(id -> victimPartitions.contains(partitionOf(id, partitions))).collect(Collectors.toSet());
      published.pollUntil(() -> answeredOf(published, victimQuestions) >= 5, TIMEOUT, "the victim's first answers");
      victimProcess.destroyForcibly().waitFor();
      published.drainFor(Duration.ofMillis(500)); // everything the dead process committed
      long answeredBeforeKill = answeredOf(published, victimQuestions);
      System.out.printf("CrashRecoveryIT: killed %s (partitions %s) after %d of its %d questions; mid-trace: %s%n",
          victim, victimPartitions, answeredBeforeKill, victimQuestions.size(), published.questionsMidTrace());
      assertTrue(answeredBeforeKill < victimQuestions.size(), "the kill must leave the victim's questions unanswered");
      if (replace) {
        processes.add(startPipelineProcess(kafka, name, name + "-c"));
      }
      published.pollUntil(() -> published.answers.size() >= questions.size(), TIMEOUT, "all answers");
      published.drainFor(Duration.ofSeconds(1));
      published.assertEachAnsweredOnceWithEachStepOnce(questions.stream().map(Question::getId).toList());
    } finally {
      for (Process p : processes) {
        p.destroyForcibly().waitFor();
      }
    }
  }

  /** Waits until the group is stable with both instances owning questions partitions; the victim's partitions. */
  private static Set<Integer> awaitBothOwnPartitions(Admin admin, String group, String topic, String survivor,
                                                     String victim) throws Exception {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (true) {
      ConsumerGroupDescription d;
      try {
        d = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get();
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof GroupIdNotFoundException) || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(200); // no member has joined yet
        continue;
      }
      Map<String, Set<Integer>> owned = new HashMap<>();
      // Streams names each stream thread's member after the instance: <group.instance.id>-<thread>.
      d.members().forEach(m -> m.groupInstanceId().ifPresent(member -> owned.computeIfAbsent(
          member.substring(0, member.lastIndexOf('-')), k -> new HashSet<>())
          .addAll(m.assignment().topicPartitions().stream().filter(tp -> tp.topic().equals(topic))
              .map(TopicPartition::partition).toList())));
      if (d.groupState() == GroupState.STABLE && !owned.getOrDefault(survivor, Set.of()).isEmpty()
          && !owned.getOrDefault(victim, Set.of()).isEmpty()) {
        return owned.get(victim);
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the two instances never shared the partitions: " + owned + " in " + d);
      }
      Thread.sleep(200);
    }
  }

  private static long answeredOf(PublishedRecords published, Set<String> ids) {
    return published.answers.stream().filter(a -> ids.contains(a.key())).count();
  }

  /** The partition the default partitioner gives a question keyed by its id. */
  private static int partitionOf(String id, int partitions) {
    return Utils.toPositive(Utils.murmur2(id.getBytes(StandardCharsets.UTF_8))) % partitions;
  }

  private static Process startPipelineProcess(EmbeddedKafka kafka, String name, int run) throws IOException {
    return startPipelineProcess(kafka, name, name, name + "-run" + run);
  }

  private static Process startPipelineProcess(EmbeddedKafka kafka, String name, String instance) throws IOException {
    return startPipelineProcess(kafka, name, instance, instance);
  }

  private static Process startPipelineProcess(EmbeddedKafka kafka, String name, String instance, String logName)
      throws IOException {
    Path log = Path.of("target", "it-state", logName + ".log");
    Files.createDirectories(log.getParent());
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
        PipelineProcess.class.getName(), kafka.bootstrapServers(), name, instance)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }
}
