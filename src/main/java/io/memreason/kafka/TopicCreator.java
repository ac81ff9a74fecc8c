package io.memreason.kafka;

import io.memreason.config.MemreasonConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates memreason's topics when they do not exist yet; existing topics are left as they are. */
public final class TopicCreator {
  private static final Logger log = LoggerFactory.getLogger(TopicCreator.class);

  private TopicCreator() {}

  /**
   * Creates every topic of the configuration with {@code topics.partitions} partitions and
   * {@code topics.replication-factor} replicas. Model versions and training examples are compacted: the
   * latest record per key is the state.
   */
  public static void createMissing(MemreasonConfig config) {
    MemreasonConfig.Topics t = config.topics();
    List<NewTopic> wanted = new ArrayList<>();
    for (String name : List.of(t.questions(), t.memorySteps(), t.reasonSteps(), t.answers(), t.feedback(),
        t.deadLetters())) {
      wanted.add(new NewTopic(name, t.partitions(), t.replicationFactor()));
    }
    for (String name : List.of(t.modelVersions(), t.trainingExamples())) {
      wanted.add(new NewTopic(name, t.partitions(), t.replicationFactor())
          .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
    }
    try (Admin admin = Admin.create(ClientProperties.admin(config))) {
      Set<String> existing = admin.listTopics().names().get();
      List<NewTopic> missing = wanted.stream().filter(nt -> !existing.contains(nt.name())).toList();
      if (missing.isEmpty()) {
        return;
      }
      admin.createTopics(missing).values().forEach((name, future) -> {
        try {
          future.get();
          log.info("created topic {}", name);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException("cannot create topic " + name + ": " + e.getCause().getMessage(), e);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while creating topic " + name, e);
        }
      });
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot list topics at " + config.kafka().bootstrapServers() + ": "
          + e.getCause().getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while listing topics", e);
    }
  }
}
