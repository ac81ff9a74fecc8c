package io.memreason.pipeline;

import io.memreason.avro.Answer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inference processor's meters (Prometheus names in brackets): questions by outcome
 * ({@code memreason_questions_total{outcome}}), dead letters by type ({@code memreason_dead_letters_total{type}}),
 * steps by kind ({@code memreason_steps_total{kind}}), tokens generated ({@code memreason_tokens_generated_total}),
 * answer latency and time to first step, both from the question's submission
 * ({@code memreason_answer_latency_seconds}, {@code memreason_first_step_latency_seconds}, histograms), questions in
 * flight ({@code memreason_pending_questions}), questions waiting for room in the model
 * ({@code memreason_waiting_questions}), records replaced because they could not be published
 * ({@code memreason_outputs_replaced_total{type}}), the memory verifier's verdicts
 * ({@code memreason_memory_verdicts_total{verdict}}) and the revisions the pipeline asked
 * ({@code memreason_revisions_total{origin="automatic"}}).
 *
 * <p>Recording a metric never throws: durations are clamped to [0, {@link #LONGEST}] (a Timer throws on more than
 * 292 years, which a bad submission time gives), and a failing registry is logged once and otherwise ignored, so
 * that no measurement can stop a question from being published.
 */
public final class PipelineMetrics {
  private static final Logger log = LoggerFactory.getLogger(PipelineMetrics.class);
  /** The longest latency recorded; longer ones are recorded as this. */
  static final Duration LONGEST = Duration.ofDays(365);

  private final MeterRegistry registry;
  private final Timer answerLatency;
  private final Timer firstStepLatency;
  private final Counter tokensGenerated;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicLong answers = new AtomicLong();
  private final AtomicInteger waiting = new AtomicInteger();
  private final AtomicBoolean failureLogged = new AtomicBoolean();

  public PipelineMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.answerLatency = Timer.builder("memreason.answer.latency")
        .description("From a question's submission to its answer")
        .publishPercentileHistogram()
        .register(registry);
    this.firstStepLatency = Timer.builder("memreason.first.step.latency")
        .description("From a question's submission to the completion of its first step")
        .publishPercentileHistogram()
        .register(registry);
    this.tokensGenerated = Counter.builder("memreason.tokens.generated")
        .description("Tokens generated for answered questions").register(registry);
    Gauge.builder("memreason.pending.questions", inFlight, AtomicInteger::get)
        .description("Questions handed to the model and not answered yet").register(registry);
    Gauge.builder("memreason.waiting.questions", waiting, AtomicInteger::get)
        .description("Questions read and waiting in the pending store for room in the model").register(registry);
  }

  void answered(Answer answer) {
    answers.incrementAndGet();
    safely(() -> {
      outcome(answer.getStatus().name());
      answerLatency.record(clamped(Duration.ofMillis(Math.max(0, answer.getLatencyMs()))));
      tokensGenerated.increment(Math.max(0, answer.getGeneratedTokens()));
      // Per version: with a canary, the rates of this counter are each version's share of the traffic.
      Counter.builder("memreason.answers.by.version").description("Answers published, by the model version that wrote them")
          .tag("model_version", answer.getModelVersion()).register(registry).increment();
    });
  }

  /** A candidate's shadow answer went to the shadow-answers topic (it counts in no served figure). */
  void shadowAnswered(Answer answer) {
    safely(() -> Counter.builder("memreason.shadow.answers")
        .description("Shadow answers published to the shadow-answers topic, by version and status")
        .tag("model_version", answer.getModelVersion()).tag("status", lower(answer.getStatus().name()))
        .register(registry).increment());
  }

  void deadLettered(String errorType) {
    safely(() -> {
      outcome("rejected");
      Counter.builder("memreason.dead.letters").description("Input records sent to dead-letters")
          .tag("type", errorType).register(registry).increment();
    });
  }

  void stepPublished(io.memreason.avro.StepKind kind) {
    safely(() -> Counter.builder("memreason.steps").description("Steps published").tag("kind", lower(kind.name()))
        .register(registry).increment());
  }

  void firstStep(Duration sinceSubmission) {
    safely(() -> firstStepLatency.record(clamped(sinceSubmission)));
  }

  /** A record that could not be published was replaced by one that fits (or dropped, for steps). */
  void outputReplaced(String recordType) {
    safely(() -> Counter.builder("memreason.outputs.replaced")
        .description("Records replaced because they could not be published (too large for their topic)")
        .tag("type", lower(recordType)).register(registry).increment());
  }

  /** A memory step the model wrote was checked by the memory verifier (pipeline.verify). */
  void memoryVerified(io.memreason.reasoning.Verification.Verdict verdict) {
    safely(() -> Counter.builder("memreason.memory.verdicts").description("Memory steps checked, by verdict")
        .tag("verdict", lower(verdict.name())).register(registry).increment());
  }

  /** The pipeline asked a revision of a question whose memory step was contradicted (pipeline.verify=revise). */
  void revisedAutomatically() {
    safely(() -> Counter.builder("memreason.revisions").description("Revisions asked")
        .tag("origin", "automatic").register(registry).increment());
  }

  /** A question that could be neither answered nor answered FAILED (a bug; the log says which). */
  void dropped() {
    safely(() -> outcome("dropped"));
  }

  /** The answers this pipeline has published (FAILED ones included). */
  long answers() {
    return answers.get();
  }

  /** Questions handed to the model and not answered yet, over every task of the pipeline. */
  int inFlight() {
    return inFlight.get();
  }

  void inFlightChanged(int delta) {
    inFlight.addAndGet(delta);
  }

  void waitingChanged(int delta) {
    waiting.addAndGet(delta);
  }

  private void outcome(String outcome) {
    Counter.builder("memreason.questions").description("Questions by outcome").tag("outcome", lower(outcome))
        .register(registry).increment();
  }

  static Duration clamped(Duration d) {
    return d.isNegative() ? Duration.ZERO : d.compareTo(LONGEST) > 0 ? LONGEST : d;
  }

  private void safely(Runnable measurement) {
    try {
      measurement.run();
    } catch (RuntimeException e) {
      if (!failureLogged.getAndSet(true)) {
        log.warn("a pipeline metric could not be recorded (further failures are not logged): {}", e.toString(), e);
      }
    }
  }

  private static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
