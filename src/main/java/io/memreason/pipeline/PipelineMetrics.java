package io.memreason.pipeline;

import io.memreason.avro.Answer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The inference processor's meters (Prometheus names in brackets): questions by outcome
 * ({@code memreason_questions_total{outcome}}), dead letters by type ({@code memreason_dead_letters_total{type}}),
 * steps by kind ({@code memreason_steps_total{kind}}), tokens generated ({@code memreason_tokens_generated_total}),
 * answer latency and time to first step, both from the question's submission
 * ({@code memreason_answer_latency_seconds}, {@code memreason_first_step_latency_seconds}, histograms), and
 * questions in flight ({@code memreason_pending_questions}).
 */
public final class PipelineMetrics {
  private final MeterRegistry registry;
  private final Timer answerLatency;
  private final Timer firstStepLatency;
  private final Counter tokensGenerated;
  private final AtomicInteger inFlight = new AtomicInteger();

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
  }

  void answered(Answer answer) {
    outcome(answer.getStatus().name());
    answerLatency.record(Duration.ofMillis(Math.max(0, answer.getLatencyMs())));
    tokensGenerated.increment(answer.getGeneratedTokens());
  }

  void deadLettered(String errorType) {
    outcome("rejected");
    Counter.builder("memreason.dead.letters").description("Input records sent to dead-letters")
        .tag("type", errorType).register(registry).increment();
  }

  void stepPublished(io.memreason.avro.StepKind kind) {
    Counter.builder("memreason.steps").description("Steps published").tag("kind", lower(kind.name()))
        .register(registry).increment();
  }

  void firstStep(Duration sinceSubmission) {
    firstStepLatency.record(sinceSubmission.isNegative() ? Duration.ZERO : sinceSubmission);
  }

  /** Questions handed to the model and not answered yet, over every task of the pipeline. */
  int inFlight() {
    return inFlight.get();
  }

  void inFlightChanged(int delta) {
    inFlight.addAndGet(delta);
  }

  private void outcome(String outcome) {
    Counter.builder("memreason.questions").description("Questions by outcome").tag("outcome", lower(outcome))
        .register(registry).increment();
  }

  private static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
