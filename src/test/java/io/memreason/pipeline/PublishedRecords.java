package io.memreason.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.memreason.avro.Answer;
import io.memreason.avro.DeadLetter;
import io.memreason.avro.ReasoningStep;
import io.memreason.config.MemreasonConfig;
import io.memreason.kafka.ClientProperties;
import io.memreason.pipeline.serde.AvroSerdes;
import io.memreason.avro.StepKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Everything the pipeline published, as a read_committed consumer sees it: only committed transactions, so a
 * record here was published exactly as many times as it appears.
 */
final class PublishedRecords implements AutoCloseable {
  final List<ConsumerRecord<String, ReasoningStep>> memorySteps = new ArrayList<>();
  final List<ConsumerRecord<String, ReasoningStep>> reasonSteps = new ArrayList<>();
  final List<ConsumerRecord<String, Answer>> answers = new ArrayList<>();
  final List<ConsumerRecord<String, DeadLetter>> deadLetters = new ArrayList<>();
  /** A candidate's shadow answers (serving.shadow), on their own topic. */
  final List<ConsumerRecord<String, Answer>> shadowAnswers = new ArrayList<>();

  private final MemreasonConfig.Topics topics;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Deserializer<ReasoningStep> steps;
  private final Deserializer<Answer> answerDeserializer;
  private final Deserializer<DeadLetter> deadLetterDeserializer;

  PublishedRecords(MemreasonConfig config) {
    this.topics = config.topics();
    AvroSerdes serdes = AvroSerdes.forConfig(config.kafka());
    this.steps = serdes.serde(ReasoningStep.class).deserializer();
    this.answerDeserializer = serdes.serde(Answer.class).deserializer();
    this.deadLetterDeserializer = serdes.serde(DeadLetter.class).deserializer();
    this.consumer = new KafkaConsumer<>(ClientProperties.readCommittedConsumer(config));
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : List.of(topics.memorySteps(), topics.reasonSteps(), topics.answers(), topics.deadLetters(),
        topics.shadowAnswers())) {
      for (int p = 0; p < topics.partitions(); p++) {
        partitions.add(new TopicPartition(topic, p));
      }
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
  }

  /** Reads until the condition holds; fails after the timeout. */
  void pollUntil(BooleanSupplier condition, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what + " (answers: "
            + answers.size() + ", memory steps: " + memorySteps.size() + ", reason steps: " + reasonSteps.size()
            + ", dead letters: " + deadLetters.size() + ")");
      }
      poll(Duration.ofMillis(100));
    }
  }

  /** Reads whatever else arrives within {@code quiet}: to check that nothing more shows up. */
  void drainFor(Duration quiet) {
    long deadline = System.nanoTime() + quiet.toNanos();
    while (System.nanoTime() < deadline) {
      poll(Duration.ofMillis(100));
    }
  }

  private void poll(Duration timeout) {
    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(timeout)) {
      String key = r.key() == null ? null : new String(r.key(), java.nio.charset.StandardCharsets.UTF_8);
      if (r.topic().equals(topics.memorySteps())) {
        memorySteps.add(typed(r, key, steps.deserialize(r.topic(), r.value())));
      } else if (r.topic().equals(topics.reasonSteps())) {
        reasonSteps.add(typed(r, key, steps.deserialize(r.topic(), r.value())));
      } else if (r.topic().equals(topics.answers())) {
        answers.add(typed(r, key, answerDeserializer.deserialize(r.topic(), r.value())));
      } else if (r.topic().equals(topics.shadowAnswers())) {
        shadowAnswers.add(typed(r, key, answerDeserializer.deserialize(r.topic(), r.value())));
      } else {
        deadLetters.add(typed(r, key, deadLetterDeserializer.deserialize(r.topic(), r.value())));
      }
    }
  }

  private static <V> ConsumerRecord<String, V> typed(ConsumerRecord<byte[], byte[]> r, String key, V value) {
    return new ConsumerRecord<>(r.topic(), r.partition(), r.offset(), key, value);
  }

  /** Questions with steps published but no answer yet. */
  Set<String> questionsMidTrace() {
    Set<String> started = new HashSet<>();
    memorySteps.forEach(r -> started.add(r.key()));
    reasonSteps.forEach(r -> started.add(r.key()));
    answers.forEach(a -> started.remove(a.key()));
    return started;
  }

  /**
   * Every question has exactly one answer, and each step of its trace was published exactly once, on the topic
   * of its kind (memory steps on the memory topic; reason and assignment steps on the reason topic), in the
   * partition of its answer, with the text the answer's trace has.
   */
  void assertEachAnsweredOnceWithEachStepOnce(Collection<String> questionIds) {
    assertEquals(new HashSet<>(questionIds), answers.stream().map(ConsumerRecord::key).collect(
        java.util.stream.Collectors.toSet()), "the answered questions");
    int expectedSteps = assertStepsOnce(questionIds);
    assertEquals(expectedSteps, memorySteps.size() + reasonSteps.size(), "steps published beyond the answers' traces");
  }

  /**
   * For each of these questions (others may have been published too): exactly one answer, and each step of its
   * trace published exactly once, on the topic of its kind, in the partition of its answer, with its text; no step
   * of the question beyond its trace.
   *
   * @return how many steps these questions' traces have
   */
  int assertStepsOnce(Collection<String> questionIds) {
    Set<String> ids = new HashSet<>(questionIds);
    Map<String, List<ConsumerRecord<String, Answer>>> answersById = new HashMap<>();
    answers.stream().filter(r -> ids.contains(r.key()))
        .forEach(r -> answersById.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r));
    Map<String, ConsumerRecord<String, ReasoningStep>> stepsByIndex = new HashMap<>();
    for (var r : memorySteps) {
      assertEquals(StepKind.MEMORY, r.value().getKind(), "only memory steps on " + topics.memorySteps());
      if (ids.contains(r.key())) {
        assertNull(stepsByIndex.put(r.key() + "#" + r.value().getIndex(), r), "published twice: " + r.value());
      }
    }
    for (var r : reasonSteps) {
      assertNotEquals(StepKind.MEMORY, r.value().getKind(), "no memory step on " + topics.reasonSteps());
      if (ids.contains(r.key())) {
        assertNull(stepsByIndex.put(r.key() + "#" + r.value().getIndex(), r), "published twice: " + r.value());
      }
    }
    int expectedSteps = 0;
    for (String id : ids) {
      assertEquals(1, answersById.getOrDefault(id, List.of()).size(), "answers to " + id);
      ConsumerRecord<String, Answer> answer = answersById.get(id).get(0);
      for (ReasoningStep step : answer.value().getSteps()) {
        ConsumerRecord<String, ReasoningStep> published = stepsByIndex.get(id + "#" + step.getIndex());
        assertNotNull(published, "step " + step.getIndex() + " of " + id + " was never published");
        assertEquals(step.getText(), published.value().getText());
        assertEquals(step.getKind(), published.value().getKind());
        assertEquals(answer.partition(), published.partition(), "a question's steps and answer share a partition");
        expectedSteps++;
      }
    }
    assertEquals(expectedSteps, stepsByIndex.size(), "steps of these questions beyond their answers' traces");
    return expectedSteps;
  }

  @Override
  public void close() {
    consumer.close();
  }
}
