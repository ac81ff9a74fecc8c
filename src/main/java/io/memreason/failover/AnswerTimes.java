package io.memreason.failover;

import io.memreason.avro.Answer;
import io.memreason.avro.ReasoningStep;
import io.memreason.config.MemreasonConfig;
import io.memreason.pipeline.TraceSubscription;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * When each question's answer became readable (read_committed, so what a reader sees), and how often each answer
 * and each step was published: a question answered twice, or a step published twice, is a duplicate.
 */
final class AnswerTimes implements AutoCloseable, TraceSubscription.Handler {
  private final TraceSubscription subscription;
  private final Map<String, Long> firstAnswerNanos = new HashMap<>();
  private final Map<String, Long> writtenAtMillis = new HashMap<>();
  private final Map<String, Integer> answers = new HashMap<>();
  private final Map<String, Integer> steps = new HashMap<>();

  AnswerTimes(MemreasonConfig config) {
    this.subscription = TraceSubscription.fromNow(config);
  }

  /** Reads what arrives within {@code timeout}. */
  void poll(Duration timeout) {
    subscription.poll(timeout, this);
  }

  @Override
  public void onStep(ReasoningStep step) {
    steps.merge(step.getQuestionId() + "#" + step.getIndex(), 1, Integer::sum);
  }

  @Override
  public void onAnswer(Answer answer) {
    firstAnswerNanos.putIfAbsent(answer.getQuestionId(), System.nanoTime());
    writtenAtMillis.putIfAbsent(answer.getQuestionId(), answer.getAnsweredAt().toEpochMilli());
    answers.merge(answer.getQuestionId(), 1, Integer::sum);
  }

  /** When the question's first answer was read ({@link System#nanoTime()}). */
  Optional<Long> answeredAt(String questionId) {
    return Optional.ofNullable(firstAnswerNanos.get(questionId));
  }

  /** When the pipeline wrote the question's first answer (epoch milliseconds, the answering instance's clock). */
  Optional<Long> writtenAt(String questionId) {
    return Optional.ofNullable(writtenAtMillis.get(questionId));
  }

  boolean answered(String questionId) {
    return firstAnswerNanos.containsKey(questionId);
  }

  /** Answers beyond each question's first. */
  int duplicatedAnswers() {
    return answers.values().stream().mapToInt(n -> n - 1).sum();
  }

  /** Steps published more than once (same question, same index), counting each extra publication. */
  int duplicatedSteps() {
    return steps.values().stream().mapToInt(n -> n - 1).sum();
  }

  @Override
  public void close() {
    subscription.close();
  }
}
