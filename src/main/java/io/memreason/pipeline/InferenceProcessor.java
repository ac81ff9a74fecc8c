package io.memreason.pipeline;

import io.memreason.avro.Answer;
import io.memreason.avro.DeadLetter;
import io.memreason.avro.PendingQuestion;
import io.memreason.avro.Question;
import io.memreason.avro.ReasoningStep;
import io.memreason.config.MemreasonConfig;
import io.memreason.reasoning.MemoryVerifier;
import io.memreason.reasoning.Reasoner;
import io.memreason.reasoning.ReasoningRequest;
import io.memreason.reasoning.Step;
import io.memreason.reasoning.StepKind;
import io.memreason.reasoning.Trace;
import io.memreason.reasoning.TraceListener;
import io.memreason.reasoning.VerifyingTraceListener;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
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
 * Answers the questions of one questions-topic partition. {@code process()} validates a question and records it
 * in the changelogged pending store, where it waits until the {@link Reasoner} has room for it; questions are
 * handed to the model in the order they were read, within the task's share of the model ({@link Admission}), and
 * nothing ever waits for the model: {@code process()} and the punctuator return at once, so a transaction lasts
 * about one commit interval and {@code transaction.timeout.ms} can be seconds. The model's engine threads leave
 * steps and traces in an {@link Outbox}; a wall-clock punctuator forwards them (memory steps, reason steps, the
 * answer), updates each question's pending entry once, or deletes it, in the same transaction, and hands waiting
 * questions to the model as room frees. After a crash or a rebalance the pending entries are handed to the model
 * again: generation is deterministic, and steps below the entry's {@code emittedSteps} were already published, so
 * none is published twice.
 *
 * <p>With {@code pipeline.verify} on, each memory step the model writes is checked by the {@link MemoryVerifier} on
 * the engine's thread as soon as it is complete and published with the verdict; with {@code revise}, the first
 * contradicted memory step of a trace also asks its {@link AutomaticRevisions revision}, in the same transaction as
 * the step, so that the revision is asked exactly once.
 *
 * <p>With {@code serving.shadow}, a candidate also answers a sample of the questions in the shadow
 * ({@link Reasoner#shadowVersionFor}): the pending entry names the candidate ({@code shadowVersion}) from the start,
 * the shadow request takes room in the model through the same admission as the served one, and its trace (an
 * {@link Answer} marked {@code shadow}, its steps inside) goes to the shadow-answers topic only, never to the answers
 * or step topics. The entry is deleted when both are published ({@code answered} records that the served one is); a
 * restored entry re-runs only what is still owed, so a crash neither loses nor duplicates a shadow answer.
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

  /**
   * A question this instance has handed to the model, the listener whose events count, its pending entry (kept
   * here so that no step has to read it back from the store) and the steps of this attempt so far by index (those
   * published before a restart included: generation starts from the first step again).
   */
  private record InFlight(Outbox.Listener listener, long submittedAtMs, PendingQuestion entry,
                          Map<Integer, Step> steps) {}

  private final Reasoner reasoner;
  private final QuestionDecoder decoder;
  private final DeadLetters deadLetters;
  private final MemreasonConfig.Engine engineDefaults;
  private final MemreasonConfig.Pipeline settings;
  private final PipelineMetrics metrics;
  private final Drain drain;
  private final Admission admission;
  private final Optional<Function<ProcessorContext<?, ?>, MemoryVerifier>> verifiers;
  private final AutomaticRevisions revisions;
  private final Outbox outbox = new Outbox();
  // Only the stream thread touches these.
  private final Map<String, InFlight> inFlight = new HashMap<>();
  /** The shadow generations in flight, by question id; their entries are those of {@code inFlight}, if there. */
  private final Map<String, InFlight> shadows = new HashMap<>();
  /** Ids of the pending questions not handed to the model yet, oldest first. */
  private final Set<String> waiting = new LinkedHashSet<>();
  /** The model refused a question for lack of room since the last punctuation: no use asking again before it. */
  private boolean modelFull;

  private ProcessorContext<String, SpecificRecord> context;
  private KeyValueStore<String, PendingQuestion> pending;
  private Optional<MemoryVerifier> verifier = Optional.empty();
  private boolean restored;

  /**
   * @param verifiers the memory verifier of a processor, made from its context (it may read a global store); empty
   *     with {@code pipeline.verify=off}
   */
  InferenceProcessor(Reasoner reasoner, QuestionDecoder decoder, DeadLetters deadLetters,
                     MemreasonConfig.Engine engineDefaults, MemreasonConfig.Pipeline settings, PipelineMetrics metrics,
                     Drain drain, Admission admission,
                     Optional<Function<ProcessorContext<?, ?>, MemoryVerifier>> verifiers, AutomaticRevisions revisions) {
    this.reasoner = reasoner;
    this.decoder = decoder;
    this.deadLetters = deadLetters;
    this.engineDefaults = engineDefaults;
    this.settings = settings;
    this.metrics = metrics;
    this.drain = drain;
    this.admission = admission;
    this.verifiers = verifiers;
    this.revisions = revisions;
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    this.pending = context.getStateStore(InferenceTopology.PENDING_STORE);
    this.verifier = verifiers.map(made -> made.apply(context));
    // Streams may close and re-initialise this same instance (a corrupted task is revived), so nothing from
    // an earlier life may count: whatever is in the store now must be handed to the model again.
    this.restored = false;
    // Handing a restored question to the model may fail and answer it FAILED, and forwarding is only allowed from
    // process() and punctuators: the first punctuation reads the store.
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
    String id = question.getId();
    if (waiting.contains(id) || inFlight.containsKey(id) || shadows.containsKey(id) || pending.get(id) != null) {
      deadLetter(source, record, new QuestionDecoder.Rejected(DUPLICATE,
          "question " + ReasonText.quote(id) + " is already being answered: question ids must be unique"));
      return;
    }
    // The versions are chosen by the question id (a canary takes a share of the ids, the shadow samples them): the same
    // after a restart.
    pending.put(id, PendingQuestion.newBuilder().setQuestion(question).setEmittedSteps(0)
        .setModelVersion(reasoner.modelVersionFor(id)).setAcceptedAt(now())
        .setShadowVersion(reasoner.shadowVersionFor(id).orElse(null)).build());
    enqueue(id);
    admitWaiting();
  }

  private void punctuate(long timestamp) {
    if (!restored) {
      restored = true;
      enqueueRestored();
    }
    forwardFinishedWork();
    modelFull = false;
    admitWaiting();
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
    PendingQuestion entry = liveEntry(id);
    untrack(id);
    if (entry == null || entry.getAnswered()) {
      return;
    }
    try {
      publishAnswer(entry, TraceRecords.failed(entry.getQuestion(), versionOf(entry), error, now()));
    } catch (KafkaException e) {
      throw e;
    } catch (RuntimeException e) {
      reasoner.cancel(ShadowKey.of(id));
      untrackShadow(id);
      pending.delete(id);
      metrics.dropped();
      log.error("question {} is dropped: it cannot be answered FAILED either: {}", ReasonText.quote(id), e.toString(),
          e);
    }
  }

  /**
   * Runs the work of one question's shadow generation; if it throws anything but Kafka's own exceptions, the shadow is
   * answered FAILED on the shadow-answers topic instead, once; the served answer is not touched.
   */
  private void guardedShadow(String id, Runnable work) {
    try {
      work.run();
    } catch (KafkaException e) {
      throw e;
    } catch (RuntimeException e) {
      log.error("the shadow of question {} failed unexpectedly and is answered FAILED: {}", ReasonText.quote(id),
          e.toString(), e);
      giveUpShadow(id, "memreason failed while answering the question in the shadow (a bug, please report it): " + e);
    }
  }

  /** Ends a shadow generation that cannot go on with a FAILED shadow answer; should even that throw, it is dropped. */
  private void giveUpShadow(String id, String error) {
    reasoner.cancel(ShadowKey.of(id));
    PendingQuestion entry = liveEntry(id);
    untrackShadow(id);
    if (entry == null || entry.getShadowVersion() == null) {
      return;
    }
    try {
      publishShadow(entry, TraceRecords.shadow(TraceRecords.failed(entry.getQuestion(), entry.getShadowVersion(), error,
          now())), null);
    } catch (KafkaException e) {
      throw e;
    } catch (RuntimeException e) {
      log.error("the shadow of question {} is dropped: it cannot be answered FAILED either: {}", ReasonText.quote(id),
          e.toString(), e);
      entry.setShadowVersion(null);
      settle(entry, null);
    }
  }

  /** Questions that were pending when this task was last closed or crashed wait again, oldest first. */
  private void enqueueRestored() {
    List<PendingQuestion> found = new ArrayList<>();
    try (KeyValueIterator<String, PendingQuestion> it = pending.all()) {
      it.forEachRemaining(kv -> {
        if (!inFlight.containsKey(kv.key) && !shadows.containsKey(kv.key) && !waiting.contains(kv.key)) {
          found.add(kv.value);
        }
      });
    }
    if (!found.isEmpty()) {
      log.info("task {}: {} questions restored from the pending store wait for the model", context.taskId(),
          found.size());
    }
    found.sort(Comparator.comparing(PendingQuestion::getAcceptedAt));
    found.forEach(entry -> enqueue(entry.getQuestion().getId()));
  }

  private void enqueue(String id) {
    if (waiting.add(id)) {
      metrics.waitingChanged(1);
    }
  }

  /**
   * Hands waiting questions to the model, oldest first, while it takes them and this task is within its share; never
   * waits. During a drain none goes: they stay pending for the next owner of the partition.
   */
  private void admitWaiting() {
    Iterator<String> oldestFirst = waiting.iterator();
    while (oldestFirst.hasNext() && !modelFull && !drain.started()
        && inFlight.size() + shadows.size() < admission.share()) {
      String id = oldestFirst.next();
      PendingQuestion entry = liveEntry(id);
      if (entry != null) {
        guarded(id, () -> submit(entry));
        if (!modelFull) {
          guardedShadow(id, () -> submitShadow(entry));
        }
        if (modelFull) {
          break; // it stays first in line
        }
      }
      oldestFirst.remove();
      metrics.waitingChanged(-1);
    }
    admission.waiting(this, !waiting.isEmpty());
  }

  /**
   * Offers a question to the model without waiting: taken, it is in flight; refused for lack of room, the model is
   * full until the next punctuation; refused as such, it is answered FAILED.
   */
  private void submit(PendingQuestion entry) {
    Question q = entry.getQuestion();
    if (entry.getAnswered() || inFlight.containsKey(q.getId())) {
      return; // only its shadow is still owed, or it went in before its shadow found the model full
    }
    String version = versionOf(entry);
    ReasoningRequest request = ReasoningRequests.from(q, engineDefaults, version);
    Outbox.Listener listener = outbox.listenerFor(q.getId());
    TraceListener heard = heard(listener);
    boolean accepted;
    try {
      accepted = reasoner.submit(request, heard, Duration.ZERO);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StreamsException("interrupted while handing a question to the model", e);
    } catch (RuntimeException e) {
      log.warn("the model refused question {}: {}", ReasonText.quote(q.getId()), e.toString());
      publishAnswer(entry, TraceRecords.failed(q, version, "the model refused the question: " + e, now()));
      return;
    }
    if (!accepted) {
      modelFull = true;
      return;
    }
    track(q.getId(), new InFlight(listener, context.currentSystemTimeMs(), entry, new HashMap<>()));
    String answering = reasoner.modelVersionFor(q.getId());
    if (!version.equals(answering)) {
      log.warn("question {} was started with model {} and continues with {}: its trace may change from step {} on",
          q.getId(), version, answering, entry.getEmittedSteps());
    }
  }

  /**
   * Offers a question's shadow generation, if one is owed, to the candidate without waiting, like {@link #submit}; a
   * candidate no longer loaded (rolled back before the shadow went in) is answered FAILED on the shadow topic.
   */
  private void submitShadow(PendingQuestion entry) {
    Question q = entry.getQuestion();
    String candidate = entry.getShadowVersion();
    if (candidate == null || shadows.containsKey(q.getId())) {
      return;
    }
    Outbox.Listener listener = outbox.shadowListenerFor(q.getId());
    boolean accepted;
    try {
      accepted = reasoner.submitTo(candidate, ReasoningRequests.shadow(q, engineDefaults, candidate), heard(listener),
          Duration.ZERO);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StreamsException("interrupted while handing a shadow question to the model", e);
    } catch (RuntimeException e) {
      log.info("question {} gets no shadow answer from {}: {}", ReasonText.quote(q.getId()), candidate, e.getMessage());
      publishShadow(entry, TraceRecords.shadow(TraceRecords.failed(q, candidate,
          "the shadow version refused the question: " + e.getMessage(), now())), null);
      return;
    }
    if (!accepted) {
      modelFull = true;
      return;
    }
    if (shadows.put(q.getId(), new InFlight(listener, context.currentSystemTimeMs(), entry, new HashMap<>())) != null) {
      throw new IllegalStateException("question " + q.getId() + " had a shadow in flight already");
    }
  }

  /** The outbox's events name the outbox listener: a verifying listener in front of it changes nothing there. */
  private TraceListener heard(Outbox.Listener listener) {
    return verifier.<TraceListener>map(v -> new VerifyingTraceListener(v, listener)).orElse(listener);
  }

  /**
   * The pending entry of a question: the one its generations in flight share (so that what one records is not lost by
   * the other), else the store's.
   */
  private PendingQuestion liveEntry(String id) {
    InFlight attempt = inFlight.containsKey(id) ? inFlight.get(id) : shadows.get(id);
    return attempt != null ? attempt.entry() : pending.get(id);
  }

  /**
   * Forwards everything the model finished since the last call, and records how far each question got with one
   * store update per question, however many of its steps went out.
   */
  private void forwardFinishedWork() {
    Map<String, PendingQuestion> advanced = new LinkedHashMap<>();
    outbox.drain(event -> {
      String id = event.source().questionId();
      if (event.source().shadow()) {
        guardedShadow(id, () -> forwardShadow(event, advanced));
      } else {
        guarded(id, () -> forward(event, advanced));
      }
    });
    advanced.forEach((id, entry) -> {
      if (inFlight.containsKey(id)) {
        guarded(id, () -> pending.put(id, entry));
      }
    });
  }

  private void forward(Outbox.Event event, Map<String, PendingQuestion> advanced) {
    String id = event.source().questionId();
    InFlight attempt = inFlight.get(id);
    if (attempt == null || attempt.listener() != event.source()) {
      return; // an attempt that was cancelled or replaced
    }
    PendingQuestion entry = attempt.entry();
    if (event instanceof Outbox.StepWritten written) {
      if (publishStep(entry, written.step(), versionOf(entry), attempt)) {
        advanced.put(id, entry);
      }
    } else {
      Trace trace = ((Outbox.TraceFinished) event).trace();
      // Every step goes out before the answer, even one the model did not stream.
      trace.steps().forEach(step -> publishStep(entry, step, trace.modelVersion(), attempt));
      publishAnswer(entry, TraceRecords.answer(entry.getQuestion(), trace, entry.getAutomaticRevisionId()));
    }
  }

  /** A finished shadow trace goes to the shadow-answers topic, its steps inside; its steps go nowhere else. */
  private void forwardShadow(Outbox.Event event, Map<String, PendingQuestion> advanced) {
    InFlight attempt = shadows.get(event.source().questionId());
    if (attempt == null || attempt.listener() != event.source()) {
      return; // an attempt that was cancelled or replaced
    }
    if (event instanceof Outbox.TraceFinished finished) {
      PendingQuestion entry = attempt.entry();
      publishShadow(entry, TraceRecords.shadow(TraceRecords.answer(entry.getQuestion(), finished.trace(), null)),
          advanced);
    }
  }

  /** Publishes a step not published before; the entry's {@code emittedSteps} follows, the store is the caller's. */
  private boolean publishStep(PendingQuestion entry, Step step, String modelVersion, InFlight attempt) {
    attempt.steps().putIfAbsent(step.index(), step);
    if (step.kind() == StepKind.ANSWER || step.index() < entry.getEmittedSteps()) {
      return false; // the answer step travels in the Answer; lower indexes went out before a restart
    }
    String id = entry.getQuestion().getId();
    ReasoningStep record = TraceRecords.step(id, step, modelVersion);
    step.verification().ifPresent(v -> metrics.memoryVerified(v.verdict()));
    Optional<Question> revision = revisions.of(entry, step, attempt.steps(), modelVersion, now());
    if (revision.isPresent()) {
      String revisionId = revision.get().getId();
      context.forward(new Record<>(revisionId, revision.get(), context.currentSystemTimeMs()),
          InferenceTopology.REVISIONS_SINK);
      record.getVerification().setRevisionId(revisionId);
      entry.setAutomaticRevisionId(revisionId);
      metrics.revisedAutomatically();
      log.debug("question {} is revised as {}: {}", ReasonText.quote(id), revisionId,
          revision.get().getRevises().getReason());
    }
    // Unlabelled (assignment) steps are not recall, so they go with the reasoning; their kind says what they are.
    String sink = step.kind() == StepKind.MEMORY ? InferenceTopology.MEMORY_STEPS_SINK : InferenceTopology.REASON_STEPS_SINK;
    context.forward(new Record<>(id, record, context.currentSystemTimeMs()), sink);
    metrics.stepPublished(record.getKind());
    if (step.index() == 0) {
      metrics.firstStep(Duration.between(entry.getQuestion().getSubmittedAt(), step.completedAt()));
    }
    entry.setEmittedSteps(step.index() + 1);
    return true;
  }

  private void publishAnswer(PendingQuestion entry, Answer answer) {
    String id = entry.getQuestion().getId();
    context.forward(new Record<>(id, answer, context.currentSystemTimeMs()), InferenceTopology.ANSWERS_SINK);
    untrack(id);
    entry.setAnswered(true);
    settle(entry, null);
    metrics.answered(answer);
  }

  /** Publishes a shadow answer to the shadow-answers topic; the entry no longer owes one. */
  private void publishShadow(PendingQuestion entry, Answer answer, Map<String, PendingQuestion> advanced) {
    String id = entry.getQuestion().getId();
    context.forward(new Record<>(id, answer, context.currentSystemTimeMs()), InferenceTopology.SHADOW_ANSWERS_SINK);
    untrackShadow(id);
    entry.setShadowVersion(null);
    settle(entry, advanced);
    metrics.shadowAnswered(answer);
  }

  /**
   * Records what a question still owes: nothing (the entry is deleted), or the served answer or the shadow one. While
   * the served generation is in flight, the punctuation's one update of its entry ({@code advanced}) carries it.
   */
  private void settle(PendingQuestion entry, Map<String, PendingQuestion> advanced) {
    String id = entry.getQuestion().getId();
    if (entry.getAnswered() && entry.getShadowVersion() == null) {
      pending.delete(id);
    } else if (advanced != null && inFlight.containsKey(id)) {
      advanced.put(id, entry);
    } else {
      pending.put(id, entry);
    }
  }

  /** A question the model has not finished within pipeline.answer-timeout-ms is answered FAILED. */
  private void failOverdue(long nowMs) {
    List<String> overdue = inFlight.entrySet().stream()
        .filter(e -> nowMs - e.getValue().submittedAtMs() > settings.answerTimeoutMs())
        .map(Map.Entry::getKey).toList();
    for (String id : overdue) {
      guarded(id, () -> giveUp(id, "no answer within pipeline.answer-timeout-ms=" + settings.answerTimeoutMs()));
    }
    List<String> overdueShadows = shadows.entrySet().stream()
        .filter(e -> nowMs - e.getValue().submittedAtMs() > settings.answerTimeoutMs())
        .map(Map.Entry::getKey).toList();
    for (String id : overdueShadows) {
      guardedShadow(id, () -> giveUpShadow(id, "no shadow answer within pipeline.answer-timeout-ms="
          + settings.answerTimeoutMs()));
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

  private void untrackShadow(String id) {
    shadows.remove(id);
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
    shadows.keySet().forEach(id -> reasoner.cancel(ShadowKey.of(id)));
    shadows.clear();
    metrics.waitingChanged(-waiting.size());
    waiting.clear();
    admission.waiting(this, false);
  }
}
