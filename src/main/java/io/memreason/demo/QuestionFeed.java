package io.memreason.demo;

import io.memreason.avro.Answer;
import io.memreason.avro.Feedback;
import io.memreason.avro.Question;
import io.memreason.avro.ReasoningStep;
import io.memreason.config.MemreasonConfig;
import io.memreason.console.ShutdownSignal;
import io.memreason.console.TracePrinter;
import io.memreason.feedback.LearningSubscription;
import io.memreason.kafka.ClientProperties;
import io.memreason.pipeline.TraceSubscription;
import io.memreason.pipeline.serde.AvroSerdes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The demo's side of the topics: asks questions one by one and follows everything published from now on — steps,
 * answers, live accuracy, model versions — printing it with the {@link TracePrinter}, and tells a listener of each
 * answer (the scripted labeller of {@code demo --learn}). Stops waiting at Ctrl-C.
 */
public final class QuestionFeed implements TraceSubscription.Handler, AutoCloseable {
  private final MemreasonConfig config;
  private final TracePrinter printer;
  private final ShutdownSignal signal;
  private final Duration interval;
  private final TraceSubscription traces;
  private final LearningSubscription learning;
  private final KafkaProducer<byte[], byte[]> producer;
  private final Serializer<Question> questions;
  private final Serializer<Feedback> labels;
  private Consumer<Answer> answerListener = answer -> {};

  public QuestionFeed(MemreasonConfig config, TracePrinter printer, ShutdownSignal signal, Duration interval) {
    this.config = config;
    this.printer = printer;
    this.signal = signal;
    this.interval = interval;
    AvroSerdes serdes = AvroSerdes.forConfig(config.kafka());
    this.questions = serdes.serde(Question.class).serializer();
    this.labels = serdes.serde(Feedback.class).serializer();
    this.traces = TraceSubscription.fromNow(config);
    this.learning = LearningSubscription.fromNow(config);
    this.producer = new KafkaProducer<>(ClientProperties.producer(config));
  }

  /** Tells {@code listener} of every answer, after it was printed. */
  public void onAnswer(Consumer<Answer> listener) {
    this.answerListener = listener;
  }

  /**
   * Sends the questions one by one, {@code interval} apart, until all are answered (by id: the printer may follow
   * other questions too, the revisions the pipeline asks).
   */
  public void ask(List<Question> batch) {
    String topic = config.topics().questions();
    int sent = 0;
    long nextSend = System.nanoTime();
    while (!batch.stream().map(Question::getId).allMatch(printer::hasAnswered) && !signal.requested()) {
      if (sent < batch.size() && System.nanoTime() >= nextSend) {
        Question q = Question.newBuilder(batch.get(sent++)).setSubmittedAt(Instant.now()).build();
        producer.send(new ProducerRecord<>(topic, key(q.getId()), questions.serialize(topic, q)));
        printer.question(q);
        nextSend = System.nanoTime() + interval.toNanos();
      }
      poll();
    }
  }

  /** Follows the topics until {@code done} holds or {@code timeout} passed. */
  public void followUntil(BooleanSupplier done, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.getAsBoolean() && !signal.requested() && System.nanoTime() < deadline) {
      poll();
    }
  }

  /** Follows the topics until Ctrl-C. */
  public void followUntilStopped() {
    while (!signal.requested()) {
      poll();
    }
  }

  /** Publishes a label on the feedback topic, as the web page's labelling does, and prints it. */
  public void label(Feedback feedback) {
    String topic = config.topics().feedback();
    producer.send(new ProducerRecord<>(topic, key(feedback.getQuestionId()), labels.serialize(topic, feedback)));
    printer.label(feedback);
  }

  private void poll() {
    traces.poll(Duration.ofMillis(50), this);
    learning.poll(Duration.ZERO, printer);
  }

  @Override
  public void onStep(ReasoningStep step) {
    printer.onStep(step);
  }

  @Override
  public void onAnswer(Answer answer) {
    printer.onAnswer(answer);
    answerListener.accept(answer);
  }

  private static byte[] key(String id) {
    return id.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    producer.close();
    learning.close();
    traces.close();
  }
}
