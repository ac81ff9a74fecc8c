package io.memreason.kafka;

import io.memreason.config.MemreasonConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates memreason's topics when they do not exist yet; existing topics are left as they are. */
public final class TopicCreator {
  private static final Logger log = LoggerFactory.getLogger(TopicCreator.class);
  private static final Duration LEADER_TIMEOUT = Duration.ofSeconds(30);

  private TopicCreator() {}

  /**
   * Creates every topic of the configuration with {@code topics.partitions} partitions and
   * {@code topics.replication-factor} replicas. Model versions, training examples, feedback statistics and knowledge
   * are compacted: the latest record per key is the state.
   */
  public static void createMissing(MemreasonConfig config) {
    MemreasonConfig.Topics t = config.topics();
    List<NewTopic> wanted = new ArrayList<>();
    for (String name : List.of(t.questions(), t.memorySteps(), t.reasonSteps(), t.answers(), t.feedback(),
        t.deadLetters(), t.shadowAnswers())) {
      wanted.add(new NewTopic(name, t.partitions(), t.replicationFactor()));
    }
    for (String name : List.of(t.modelVersions(), t.trainingExamples(), t.feedbackStats(), t.knowledge())) {
      wanted.add(new NewTopic(name, t.partitions(), t.replicationFactor())
          .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
    }
    try (Admin admin = Admin.create(ClientProperties.admin(config))) {
      Set<String> existing = admin.listTopics().names().get();
      List<NewTopic> missing = wanted.stream().filter(nt -> !existing.contains(nt.name())).toList();
      if (missing.isEmpty()) {
        return;
      }
      createAll(admin, missing);
      awaitLeaders(admin, missing.stream().map(NewTopic::name).toList());
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot create topics at " + config.kafka().bootstrapServers() + ": "
          + e.getCause().getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    }
  }

  private static void createAll(Admin admin, List<NewTopic> missing) throws InterruptedException {
    for (var created : admin.createTopics(missing).values().entrySet()) {
      try {
        created.getValue().get();
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw new IllegalStateException("cannot create topic " + created.getKey() + ": " + e.getCause().getMessage(), e);
        }
      }
    }
    log.info("created topics {}", missing.stream().map(NewTopic::name).toList());
  }

  /**
   * A created topic's partitions get their leaders a moment later, and a leader serves its partition a moment after
   * the metadata names it; producing before that only causes retries and warnings (NOT_LEADER_OR_FOLLOWER), so wait
   * until every partition has a leader that answers a request for its end offset (there is no notification to wait
   * on, hence the short polling).
   */
  private static void awaitLeaders(Admin admin, List<String> names) throws InterruptedException, ExecutionException {
    long deadline = System.nanoTime() + LEADER_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      Map<String, TopicDescription> described;
      try {
        described = admin.describeTopics(names).allTopicNames().get();
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
          throw e;
        }
        described = Map.of();
      }
      boolean led = described.size() == names.size() && described.values().stream()
          .allMatch(d -> d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
      if (led && served(admin, described)) {
        return;
      }
      Thread.sleep(50);
    }
    log.warn("topics {} have partitions without a leader after {} s", names, LEADER_TIMEOUT.toSeconds());
  }

  /** Whether the leader of every partition answers a request for its end offset. */
  private static boolean served(Admin admin, Map<String, TopicDescription> topics) throws InterruptedException {
    Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
    topics.values().forEach(d -> d.partitions().forEach(p ->
        ends.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest())));
    try {
      admin.listOffsets(ends, new ListOffsetsOptions().timeoutMs(1000)).all().get();
      return true;
    } catch (ExecutionException notYet) {
      return false;
    }
  }
}
