package io.memreason.web;

import io.memreason.avro.Answer;
import io.memreason.avro.Feedback;
import io.memreason.avro.ModelAccuracy;
import io.memreason.avro.ModelVersion;
import io.memreason.avro.Question;
import io.memreason.avro.ReasoningStep;
import io.memreason.config.MemreasonConfig;
import io.memreason.kafka.ClientProperties;
import io.memreason.pipeline.QuestionDecoder;
import io.memreason.pipeline.QuestionLimits;
import io.memreason.pipeline.serde.AvroSerdes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows what the live page shows, as one read_committed consumer on a thread of its own (no consumer group: every
 * partition is assigned). Questions, memory and reason steps, answers, shadow answers and feedback are followed from the moment it
 * starts; the feedback statistics and the model versions (compacted topics: the latest figures and the latest
 * registry status per model version) from the beginning.
 * A record that cannot be decoded is logged and skipped: the page must not stop for it. Questions are decoded and
 * checked by the pipeline's own {@link QuestionDecoder}, so the page shows the questions the pipeline answers and
 * skips those it dead-letters (decoding is bounded by the record's size, as in the pipeline).
 */
final class TopicFollower implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TopicFollower.class);
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(100);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

  /** Receives every record, on the follower's thread, and a call after every poll (at least every 100 ms). */
  interface Listener {
    void onQuestion(Question question);

    void onStep(ReasoningStep step);

    void onAnswer(Answer answer);

    /** A candidate's shadow answer (serving.shadow), from the shadow-answers topic. */
    void onShadowAnswer(Answer answer);

    void onFeedback(Feedback feedback);

    /** The latest accuracy of a model version; null when the version's figures were deleted (a tombstone). */
    void onAccuracy(String modelVersion, ModelAccuracy accuracy);

    /** The latest announcement of a model version (its registry status); null for a tombstone. */
    void onModelVersion(String modelVersion, ModelVersion announced);

    void afterPoll();
  }

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final MemreasonConfig.Topics topics;
  private final Listener listener;
  private final QuestionDecoder questions;
  private final Deserializer<ReasoningStep> steps;
  private final Deserializer<Answer> answers;
  private final Deserializer<Feedback> feedback;
  private final Deserializer<ModelAccuracy> accuracy;
  private final Deserializer<ModelVersion> modelVersions;
  private final Thread thread;
  private volatile boolean closing;

  private TopicFollower(MemreasonConfig config, Listener listener) {
    AvroSerdes serdes = AvroSerdes.forConfig(config.kafka());
    this.questions = new QuestionDecoder(serdes.serde(Question.class).deserializer(), QuestionLimits.of(config));
    this.steps = serdes.serde(ReasoningStep.class).deserializer();
    this.answers = serdes.serde(Answer.class).deserializer();
    this.feedback = serdes.serde(Feedback.class).deserializer();
    this.accuracy = serdes.serde(ModelAccuracy.class).deserializer();
    this.modelVersions = serdes.serde(ModelVersion.class).deserializer();
    this.topics = config.topics();
    this.listener = listener;
    this.consumer = new KafkaConsumer<>(ClientProperties.readCommittedConsumer(config));
    this.thread = new Thread(this::run, "live-page-follower");
    thread.setDaemon(true);
  }

  /**
   * Assigns the partitions, resolves the starting positions (so nothing published after this returns is missed)
   * and starts following.
   */
  static TopicFollower start(MemreasonConfig config, Listener listener) {
    TopicFollower follower = new TopicFollower(config, listener);
    try {
      MemreasonConfig.Topics t = config.topics();
      List<TopicPartition> fromNow = new ArrayList<>();
      for (String topic : List.of(t.questions(), t.memorySteps(), t.reasonSteps(), t.answers(), t.shadowAnswers(),
          t.feedback())) {
        fromNow.addAll(follower.partitions(topic, config));
      }
      List<TopicPartition> fromStart = new ArrayList<>(follower.partitions(t.feedbackStats(), config));
      fromStart.addAll(follower.partitions(t.modelVersions(), config));
      List<TopicPartition> all = new ArrayList<>(fromNow);
      all.addAll(fromStart);
      follower.consumer.assign(all);
      follower.consumer.seekToEnd(fromNow);
      follower.consumer.seekToBeginning(fromStart);
      all.forEach(follower.consumer::position);
    } catch (RuntimeException e) {
      follower.consumer.close();
      throw e;
    }
    follower.thread.start();
    return follower;
  }

  private List<TopicPartition> partitions(String topic, MemreasonConfig config) {
    List<PartitionInfo> infos = consumer.partitionsFor(topic);
    if (infos == null || infos.isEmpty()) {
      throw new IllegalStateException("topic " + topic + " does not exist at " + config.kafka().bootstrapServers()
          + ": the live page follows it; create the topics (topics.create=true or `memreason broker`)");
    }
    return infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
  }

  private void run() {
    try {
      while (!closing) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL_TIMEOUT)) {
          try {
            dispatch(r);
          } catch (RuntimeException e) {
            log.warn("live page: skipping the record at {}-{} offset {}: {}", r.topic(), r.partition(), r.offset(),
                e.getMessage());
          }
        }
        listener.afterPoll();
      }
    } catch (WakeupException e) {
      if (!closing) {
        throw e;
      }
    } catch (RuntimeException e) {
      log.error("the live page stopped following the topics: {}", e.toString(), e);
    } finally {
      consumer.close();
    }
  }

  private void dispatch(ConsumerRecord<byte[], byte[]> r) {
    String topic = r.topic();
    if (topic.equals(topics.feedbackStats())) {
      String version = new String(r.key(), StandardCharsets.UTF_8);
      listener.onAccuracy(version, r.value() == null ? null : accuracy.deserialize(topic, r.headers(), r.value()));
    } else if (topic.equals(topics.modelVersions())) {
      String version = new String(r.key(), StandardCharsets.UTF_8);
      listener.onModelVersion(version, r.value() == null ? null
          : modelVersions.deserialize(topic, r.headers(), r.value()));
    } else if (topic.equals(topics.questions())) {
      QuestionDecoder.Result question = questions.decode(topic, r.headers(), r.key(), r.value(), Instant.now());
      if (question instanceof QuestionDecoder.Accepted accepted) {
        listener.onQuestion(accepted.question());
      } else {
        log.debug("live page: skipping the question at {}-{} offset {}, which the pipeline dead-letters: {}",
            r.topic(), r.partition(), r.offset(), ((QuestionDecoder.Rejected) question).reason());
      }
    } else if (r.value() == null) {
      throw new IllegalArgumentException("a record without a value (a tombstone)");
    } else if (topic.equals(topics.memorySteps()) || topic.equals(topics.reasonSteps())) {
      listener.onStep(steps.deserialize(topic, r.headers(), r.value()));
    } else if (topic.equals(topics.answers())) {
      listener.onAnswer(answers.deserialize(topic, r.headers(), r.value()));
    } else if (topic.equals(topics.shadowAnswers())) {
      listener.onShadowAnswer(answers.deserialize(topic, r.headers(), r.value()));
    } else {
      listener.onFeedback(feedback.deserialize(topic, r.headers(), r.value()));
    }
  }

  @Override
  public void close() {
    closing = true;
    consumer.wakeup();
    try {
      thread.join(CLOSE_TIMEOUT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
