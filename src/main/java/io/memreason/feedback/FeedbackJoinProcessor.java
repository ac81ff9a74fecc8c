package io.memreason.feedback;

import io.memreason.avro.Answer;
import io.memreason.avro.DeadLetter;
import io.memreason.avro.Feedback;
import io.memreason.avro.PendingFeedback;
import io.memreason.avro.TrainingExample;
import io.memreason.avro.Verdict;
import io.memreason.config.MemreasonConfig;
import io.memreason.pipeline.DeadLetters;
import io.memreason.pipeline.ShadowKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joins labels with the answers they judge, for one partition of the answers and feedback topics (both keyed by
 * question id, so a question's answer and its labels meet in the same task). Answers are kept in a store for
 * {@code feedback.answer-retention-ms}; a label whose answer is there becomes a {@link TrainingExample} at once, one
 * whose answer is not waits in a store for {@code feedback.wait-for-answer-ms} (the answer may still be on its way)
 * and is then a dead letter ({@code UNKNOWN_QUESTION}). Records that cannot be read or applied are dead letters too,
 * kept byte for byte. Forwards {@link TrainingExample}s and {@link DeadLetter}s, keyed by question id.
 *
 * <p>A candidate's shadow answers (the shadow-answers topic, keyed by question id too) are joined the same way with the
 * labels that say {@code shadow}: both are kept under the question's {@link ShadowKey}, and so is the training example
 * they make, so a shadow label never replaces the served answer's label of the same question, nor the other way round.
 */
final class FeedbackJoinProcessor implements Processor<byte[], byte[], String, SpecificRecord> {
  private static final Logger log = LoggerFactory.getLogger(FeedbackJoinProcessor.class);
  static final String UNKNOWN_QUESTION = "UNKNOWN_QUESTION";
  static final String UNDECODABLE = "UNDECODABLE";
  static final String INVALID = "INVALID";
  static final String NAME = "feedback-join";
  private static final long MAX_SWEEP_MS = Duration.ofHours(1).toMillis();

  private final MemreasonConfig.Topics topics;
  private final MemreasonConfig.Feedback settings;
  private final Deserializer<Answer> answers;
  private final Deserializer<Feedback> labels;
  private final FeedbackMetrics metrics;
  private final DeadLetters deadLetters;

  private ProcessorContext<String, SpecificRecord> context;
  private KeyValueStore<String, Answer> answerStore;
  private KeyValueStore<String, PendingFeedback> waitingStore;

  FeedbackJoinProcessor(MemreasonConfig.Topics topics, MemreasonConfig.Feedback settings,
                        Deserializer<Answer> answers, Deserializer<Feedback> labels, FeedbackMetrics metrics,
                        DeadLetters deadLetters) {
    this.topics = topics;
    this.deadLetters = deadLetters;
    this.settings = settings;
    this.answers = answers;
    this.labels = labels;
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    this.answerStore = context.getStateStore(FeedbackTopology.ANSWERS_STORE);
    this.waitingStore = context.getStateStore(FeedbackTopology.WAITING_STORE);
    context.schedule(Duration.ofMillis(settings.punctuateIntervalMs()), PunctuationType.WALL_CLOCK_TIME,
        this::expireWaitingLabels);
    // The answer store is large and its entries expire slowly: sweep it at a tenth of the retention, within bounds.
    long sweep = Math.max(settings.punctuateIntervalMs(), Math.min(settings.answerRetentionMs() / 10, MAX_SWEEP_MS));
    context.schedule(Duration.ofMillis(sweep), PunctuationType.WALL_CLOCK_TIME, this::dropOldAnswers);
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    RecordMetadata source = context.recordMetadata().orElseThrow();
    String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    PendingFeedback.Builder origin = PendingFeedback.newBuilder()
        .setSourceTopic(source.topic())
        .setSourcePartition(source.partition())
        .setSourceOffset(source.offset())
        .setKey(record.key() == null ? null : ByteBuffer.wrap(record.key()))
        .setValue(record.value() == null ? null : ByteBuffer.wrap(record.value()))
        .setReceivedAt(now());
    if (record.value() == null) {
      deadLetter(key, origin, INVALID, "a tombstone (null value) on " + source.topic() + ": labels and answers"
          + " are never deleted this way");
    } else if (source.topic().equals(topics.answers()) || source.topic().equals(topics.shadowAnswers())) {
      answerArrived(source.topic(), key, record.value(), origin);
    } else {
      labelArrived(key, record.value(), origin);
    }
  }

  private void answerArrived(String topic, String key, byte[] value, PendingFeedback.Builder origin) {
    Answer answer;
    try {
      answer = answers.deserialize(topic, value);
    } catch (RuntimeException e) {
      deadLetter(key, origin, UNDECODABLE, "not an Answer: " + e.getMessage());
      return;
    }
    if (!answer.getQuestionId().equals(key)) {
      deadLetter(key, origin, INVALID, "an answer keyed '" + key + "' for question " + answer.getQuestionId()
          + ": answers are keyed by question id");
      return;
    }
    // The topic says which answer it is: a shadow answer is never joined with a label of the served one.
    boolean shadow = topic.equals(topics.shadowAnswers());
    if (answer.getShadow() != shadow) {
      deadLetter(key, origin, INVALID, "an answer with shadow=" + answer.getShadow() + " on " + topic
          + ": served answers go to " + topics.answers() + ", shadow answers to " + topics.shadowAnswers());
      return;
    }
    String stored = storeKey(key, shadow);
    answerStore.put(stored, answer);
    PendingFeedback waiting = waitingStore.get(stored);
    if (waiting != null) {
      waitingStore.delete(stored);
      join(answer, waiting);
    }
  }

  private void labelArrived(String key, byte[] value, PendingFeedback.Builder origin) {
    Feedback label;
    try {
      label = labels.deserialize(topics.feedback(), value);
    } catch (RuntimeException e) {
      deadLetter(key, origin, UNDECODABLE, "not a Feedback record: " + e.getMessage());
      return;
    }
    if (!label.getQuestionId().equals(key)) {
      deadLetter(key, origin, INVALID, "a label keyed '" + key + "' for question " + label.getQuestionId()
          + ": labels are keyed by question id");
      return;
    }
    if (label.getVerdict() != Verdict.CORRECT && label.getVerdict() != Verdict.INCORRECT) {
      deadLetter(key, origin, INVALID, "the label of question " + key + " has verdict " + label.getVerdict()
          + ": use CORRECT or INCORRECT");
      return;
    }
    Optional<String> problem = LabelLimits.problem(label);
    if (problem.isPresent()) {
      deadLetter(key, origin, INVALID, "the label of question " + key + " cannot be used: " + problem.get());
      return;
    }
    PendingFeedback pending = origin.setFeedback(label).build();
    String stored = storeKey(key, label.getShadow());
    Answer answer = answerStore.get(stored);
    if (answer != null) {
      join(answer, pending);
    } else {
      // A later label for the same question replaces the one waiting, as it would replace a joined one.
      waitingStore.put(stored, pending);
    }
  }

  /** Where a question's served answer or shadow answer, its waiting label and its training example are kept. */
  private static String storeKey(String questionId, boolean shadow) {
    return shadow ? ShadowKey.of(questionId) : questionId;
  }

  private void join(Answer answer, PendingFeedback pending) {
    String id = answer.getQuestionId();
    try {
      TrainingExample example = TrainingExamples.join(answer, pending.getFeedback());
      example.setShadow(answer.getShadow());
      context.forward(new Record<>(storeKey(id, answer.getShadow()), example, context.currentSystemTimeMs()));
      metrics.labelJoined(example.getVerdict().name());
    } catch (TrainingExamples.Mismatch e) {
      deadLetter(id, PendingFeedback.newBuilder(pending), INVALID, e.getMessage());
    }
  }

  /** Labels that waited too long for their answer become dead letters. */
  private void expireWaitingLabels(long nowMs) {
    List<KeyValue<String, PendingFeedback>> expired = new ArrayList<>();
    try (KeyValueIterator<String, PendingFeedback> it = waitingStore.all()) {
      it.forEachRemaining(kv -> {
        if (nowMs - kv.value.getReceivedAt().toEpochMilli() >= settings.waitForAnswerMs()) {
          expired.add(kv);
        }
      });
    }
    for (KeyValue<String, PendingFeedback> kv : expired) {
      waitingStore.delete(kv.key);
      Feedback label = kv.value.getFeedback();
      String id = label.getQuestionId();
      deadLetter(id, PendingFeedback.newBuilder(kv.value), UNKNOWN_QUESTION, "no " + (label.getShadow() ? "shadow " : "")
          + "answer to question " + id + " arrived within feedback.wait-for-answer-ms=" + settings.waitForAnswerMs() + " of its label (or it"
          + " is older than feedback.answer-retention-ms=" + settings.answerRetentionMs() + ")");
    }
  }

  private void dropOldAnswers(long nowMs) {
    List<String> old = new ArrayList<>();
    try (KeyValueIterator<String, Answer> it = answerStore.all()) {
      it.forEachRemaining(kv -> {
        if (nowMs - kv.value.getAnsweredAt().toEpochMilli() > settings.answerRetentionMs()) {
          old.add(kv.key);
        }
      });
    }
    old.forEach(answerStore::delete);
  }

  private void deadLetter(String key, PendingFeedback.Builder origin, String errorType, String error) {
    log.debug("dead letter from {}-{}@{}: {}", origin.getSourceTopic(), origin.getSourcePartition(),
        origin.getSourceOffset(), error);
    DeadLetter letter = deadLetters.of(origin.getSourceTopic(), origin.getSourcePartition(), origin.getSourceOffset(),
        bytes(origin.getKey()), bytes(origin.getValue()), errorType, error, NAME, now());
    context.forward(new Record<>(key == null ? null : DeadLetters.recordKey(key.getBytes(StandardCharsets.UTF_8)),
        letter, context.currentSystemTimeMs()));
    metrics.deadLettered(errorType);
  }

  private static byte[] bytes(ByteBuffer buffer) {
    if (buffer == null) {
      return null;
    }
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }

  private Instant now() {
    return Instant.ofEpochMilli(context.currentSystemTimeMs());
  }
}
