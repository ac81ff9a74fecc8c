package io.memreason.pipeline;

import io.memreason.avro.Answer;
import io.memreason.avro.DeadLetter;
import io.memreason.avro.PendingQuestion;
import io.memreason.avro.Question;
import io.memreason.avro.ReasoningStep;
import io.memreason.config.MemreasonConfig;
import io.memreason.reasoning.Reasoner;
import io.memreason.reasoning.ReasoningRequest;
import io.memreason.reasoning.Step;
import io.memreason.reasoning.StepKind;
import io.memreason.reasoning.Trace;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.streams.errors.StreamsException;
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
 * Answers the questions of one questions-topic partition. {@code process()} validates a question, records it
 * in the changelogged pending store and hands it to the {@link Reasoner}; the model's engine threads leave
 * steps and traces in an {@link Outbox}; a wall-clock punctuator forwards them (memory steps, reason steps,
 * the answer) and updates or deletes the pending entry in the same transaction. No transaction spans a model
 * call, and after a crash the pending entries are resubmitted: generation is deterministic, and steps below
 * the entry's {@code emittedSteps} were already published, so none is published twice.
 *
 * <p>Nothing a question brings may stop the stream. Bad input becomes a dead letter; a question the model refuses
 * or fails is answered FAILED; and if publishing a question's work throws anything unexpected (a bug), the question
 * is answered FAILED with the error, once, and the stream goes on. Only Kafka's own exceptions (a fenced producer, a
 * doomed transaction) propagate, because Kafka Streams must handle them. Exceptions that escape while an input
 * record is read are the {@link ProcessingFailureHandler}'s, which dead-letters the record.
 */
final class InferenceProcessor implements Processor<byte[], byte[], String, SpecificRecord> {
  private static final Logger log = LoggerFactory.getLogger(InferenceProcessor.class);
  static final String DUPLICATE = "DUPLICATE";

  /** A question this instance has handed to the model, and the listener whose events count. */
  private record InFlight(Outbox.Listener listener, long submittedAtMs) {}

  private final Reasoner reasoner;
  private final QuestionDecoder decoder;
  private final DeadLetters deadLetters;
  private final MemreasonConfig.Engine engineDefaults;
  private final MemreasonConfig.Pipeline settings;
  private final PipelineMetrics metrics;
  private final Drain drain;
  private final Outbox outbox = new Outbox();
  /** Only the stream thread touches this map. */
  private final Map<String, InFlight> inFlight = new HashMap<>();

  private ProcessorContext<String, SpecificRecord> context;
  private KeyValueStore<String, PendingQuestion> pending;
  private boolean restoredResubmitted;

  InferenceProcessor(Reasoner reasoner, QuestionDecoder decoder, DeadLetters deadLetters,
                     MemreasonConfig.Engine engineDefaults, MemreasonConfig.Pipeline settings, PipelineMetrics metrics,
                     Drain drain) {
    this.reasoner = reasoner;
    this.decoder = decoder;
    this.deadLetters = deadLetters;
    this.engineDefaults = engineDefaults;
    this.settings = settings;
    this.metrics = metrics;
    this.drain = drain;
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    this.pending = context.getStateStore(InferenceTopology.PENDING_STORE);
    // Streams may close and re-initialise this same instance (a corrupted task is revived), so nothing from
    // an earlier life may count: whatever is in the store now must be submitted again.
    this.restoredResubmitted = false;
    // Resubmitting restored questions may have to wait for room in the model's queue while forwarding
    // finished work, and forwarding is only allowed from process() and punctuators: the first punctuation does it.
    context.schedule(Duration.ofMillis(settings.punctuateIntervalMs()), PunctuationType.WALL_CLOCK_TIME,
        this::punctuate);
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    RecordMetadata source = context.recordMetadata().orElseThrow();
    QuestionDecoder.Result result = decoder.decode(source.topic(), record.headers(), record.key(), record.value(),
        now());
    if (result instanceof QuestionDecoder.Rejected rejected) {
      deadLetter(source, record, rejected);
      return;
    }
    Question question = ((QuestionDecoder.Accepted) result).question();
    if (pending.get(question.getId()) != null) {
      deadLetter(source, record, new QuestionDecoder.Rejected(DUPLICATE,
          "question " + ReasonText.quote(question.getId()) + " is already being answered: question ids must be unique"));
      return;
    }
    PendingQuestion entry = new PendingQuestion(question, 0, reasoner.modelVersion(), now());
    pending.put(question.getId(), entry);
    if (!drain.started()) {
      guarded(question.getId(), () -> submit(entry));
    }
  }

  private void punctuate(long timestamp) {
    if (!restoredResubmitted && !drain.started()) {
      restoredResubmitted = true;
      resubmitRestored();
    }
    forwardFinishedWork();
    failOverdue(timestamp);
  }

  /**
   * Runs one question's work; if it throws anything but Kafka's own exceptions, the question is answered FAILED
   * with the error instead, once.
   */
  private void guarded(String id, Runnable work) {
    try {
      work.run();
    } catch (KafkaException e) {
      throw e;
    } catch (RuntimeException e) {
      log.error("question {} failed unexpectedly and is answered FAILED: {}", ReasonText.quote(id), e.toString(), e);
      giveUp(id, "memreason failed while answering the question (a bug, please report it): " + e);
    }
  }

  /**
   * Ends a question that cannot go on with a FAILED answer. Should even that throw (its question holds something
   * no answer may hold), the question is dropped with an error in the log, rather than tried again forever.
   */
  private void giveUp(String id, String error) {
    reasoner.cancel(id);
    untrack(id);
    PendingQuestion entry = pending.get(id);
    if (entry == null) {
      return;
    }
    try {
      publishAnswer(entry, TraceRecords.failed(entry.getQuestion(), versionOf(entry), error, now()));
    } catch (KafkaException e) {
      throw e;
    } catch (RuntimeException e) {
      pending.delete(id);
      metrics.dropped();
      log.error("question {} is dropped: it cannot be answered FAILED either: {}", ReasonText.quote(id), e.toString(),
          e);
    }
  }

  /** Questions that were pending when this task was last closed or crashed. */
  private void resubmitRestored() {
    List<PendingQuestion> restored = new ArrayList<>();
    try (KeyValueIterator<String, PendingQuestion> it = pending.all()) {
      it.forEachRemaining(kv -> {
        if (!inFlight.containsKey(kv.key)) {
          restored.add(kv.value);
        }
      });
    }
    if (!restored.isEmpty()) {
      log.info("task {}: resubmitting {} questions restored from the pending store", context.taskId(), restored.size());
    }
    restored.forEach(entry -> guarded(entry.getQuestion().getId(), () -> submit(entry)));
  }

  /**
   * Hands a question to the model. While the model's queue is full this keeps forwarding finished steps and
   * answers: that is the back-pressure, and output keeps flowing meanwhile.
   */
  private void submit(PendingQuestion entry) {
    Question q = entry.getQuestion();
    String version = versionOf(entry);
    if (!version.equals(reasoner.modelVersion())) {
      log.warn("question {} was started with model {} and continues with {}: its trace may change from step {} on",
          q.getId(), version, reasoner.modelVersion(), entry.getEmittedSteps());
    }
    ReasoningRequest request = ReasoningRequests.from(q, engineDefaults, version);
    Outbox.Listener listener = outbox.listenerFor(q.getId());
    track(q.getId(), new InFlight(listener, context.currentSystemTimeMs()));
    Duration wait = Duration.ofMillis(settings.punctuateIntervalMs());
    while (true) {
      boolean accepted;
      try {
        accepted = reasoner.submit(request, listener, wait);
      } catch (InterruptedException e) {
        untrack(q.getId());
        Thread.currentThread().interrupt();
        throw new StreamsException("interrupted while waiting for room in the model's queue", e);
      } catch (RuntimeException e) {
        untrack(q.getId());
        log.warn("the model refused question {}: {}", ReasonText.quote(q.getId()), e.toString());
        publishAnswer(entry, TraceRecords.failed(q, version, "the model refused the question: " + e, now()));
        return;
      }
      if (accepted) {
        return;
      }
      forwardFinishedWork();
    }
  }

  /** Forwards everything the model finished since the last call. */
  private void forwardFinishedWork() {
    outbox.drain(event -> guarded(event.source().questionId(), () -> forward(event)));
  }

  private void forward(Outbox.Event event) {
    String id = event.source().questionId();
    InFlight attempt = inFlight.get(id);
    if (attempt == null || attempt.listener() != event.source()) {
      return; // an attempt that was cancelled or replaced
    }
    PendingQuestion entry = pending.get(id);
    if (entry == null) {
      untrack(id);
      return;
    }
    if (event instanceof Outbox.StepWritten written) {
      publishStep(entry, written.step(), versionOf(entry));
    } else {
      Trace trace = ((Outbox.TraceFinished) event).trace();
      // Every step goes out before the answer, even one the model did not stream.
      trace.steps().forEach(step -> publishStep(entry, step, trace.modelVersion()));
      publishAnswer(entry, TraceRecords.answer(entry.getQuestion(), trace));
    }
  }

  private void publishStep(PendingQuestion entry, Step step, String modelVersion) {
    if (step.kind() == StepKind.ANSWER || step.index() < entry.getEmittedSteps()) {
      return; // the answer step travels in the Answer; lower indexes went out before a restart
    }
    String id = entry.getQuestion().getId();
    ReasoningStep record = TraceRecords.step(id, step, modelVersion);
    // Unlabelled (assignment) steps are not recall, so they go with the reasoning; their kind says what they are.
    String sink = step.kind() == StepKind.MEMORY ? InferenceTopology.MEMORY_STEPS_SINK : InferenceTopology.REASON_STEPS_SINK;
    context.forward(new Record<>(id, record, context.currentSystemTimeMs()), sink);
    metrics.stepPublished(record.getKind());
    if (step.index() == 0) {
      metrics.firstStep(Duration.between(entry.getQuestion().getSubmittedAt(), step.completedAt()));
    }
    entry.setEmittedSteps(step.index() + 1);
    pending.put(id, entry);
  }

  private void publishAnswer(PendingQuestion entry, Answer answer) {
    String id = entry.getQuestion().getId();
    context.forward(new Record<>(id, answer, context.currentSystemTimeMs()), InferenceTopology.ANSWERS_SINK);
    pending.delete(id);
    untrack(id);
    metrics.answered(answer);
  }

  /** A question the model has not finished within pipeline.answer-timeout-ms is answered FAILED. */
  private void failOverdue(long nowMs) {
    List<String> overdue = inFlight.entrySet().stream()
        .filter(e -> nowMs - e.getValue().submittedAtMs() > settings.answerTimeoutMs())
        .map(Map.Entry::getKey).toList();
    for (String id : overdue) {
      guarded(id, () -> giveUp(id, "no answer within pipeline.answer-timeout-ms=" + settings.answerTimeoutMs()));
    }
  }

  private void deadLetter(RecordMetadata source, Record<byte[], byte[]> record, QuestionDecoder.Rejected why) {
    log.debug("dead letter from {}-{}@{}: {}", source.topic(), source.partition(), source.offset(), why.reason());
    DeadLetter letter = deadLetters.of(source.topic(), source.partition(), source.offset(), record.key(), record.value(),
        why.errorType(), why.reason(), InferenceTopology.PROCESSOR, now());
    context.forward(new Record<>(DeadLetters.recordKey(record.key()), letter, context.currentSystemTimeMs()),
        InferenceTopology.DEAD_LETTERS_SINK);
    metrics.deadLettered(why.errorType());
  }

  private void track(String id, InFlight attempt) {
    if (inFlight.put(id, attempt) == null) {
      metrics.inFlightChanged(1);
    }
  }

  private void untrack(String id) {
    if (inFlight.remove(id) != null) {
      metrics.inFlightChanged(-1);
    }
  }

  /** The model version a question was started with; its steps are attributed to it. */
  private String versionOf(PendingQuestion entry) {
    return entry.getModelVersion() == null ? reasoner.modelVersion() : entry.getModelVersion();
  }

  private Instant now() {
    return Instant.ofEpochMilli(context.currentSystemTimeMs());
  }

  /** The task is closing (shutdown, rebalance): its questions stay pending in the store for the next owner. */
  @Override
  public void close() {
    inFlight.keySet().forEach(reasoner::cancel);
    metrics.inFlightChanged(-inFlight.size());
    inFlight.clear();
  }
}
