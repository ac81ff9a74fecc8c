package io.memreason.feedback;

import io.memreason.avro.ModelAccuracy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToDoubleFunction;

/**
 * The feedback aggregator's meters (Prometheus names in brackets). Per model version, from its current labels:
 * accuracy ({@code memreason_feedback_accuracy{model_version}}), labelled answers
 * ({@code memreason_feedback_labelled{model_version}}), steps judged and judged wrong by kind, memory or reason
 * ({@code memreason_feedback_steps_judged{model_version,kind}}, {@code memreason_feedback_steps_wrong{...}}), and
 * their ratio, the step error rate ({@code memreason_feedback_step_error_rate{model_version,kind}}). They
 * are gauges because a replaced label can lower them. Also labels joined by verdict
 * ({@code memreason_feedback_labels_total{verdict}}) and dead letters by type ({@code memreason_dead_letters_total{type}}).
 */
public final class FeedbackMetrics {
  private final MeterRegistry registry;
  private final Map<String, AtomicReference<ModelAccuracy>> byVersion = new ConcurrentHashMap<>();

  public FeedbackMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** New figures of a version (the aggregator's output). */
  void accuracyChanged(ModelAccuracy figures) {
    byVersion.computeIfAbsent(figures.getModelVersion(), this::register).set(figures);
  }

  void labelJoined(String verdict) {
    Counter.builder("memreason.feedback.labels").description("Labels joined with their answers, by verdict")
        .tag("verdict", verdict.toLowerCase(Locale.ROOT)).register(registry).increment();
  }

  void deadLettered(String errorType) {
    Counter.builder("memreason.dead.letters").description("Input records sent to dead-letters")
        .tag("type", errorType).register(registry).increment();
  }

  private AtomicReference<ModelAccuracy> register(String version) {
    AtomicReference<ModelAccuracy> current = new AtomicReference<>(ModelAccuracies.empty());
    gauge(current, "memreason.feedback.accuracy", "Share of labelled answers judged correct", version, null,
        ModelAccuracies::accuracy);
    gauge(current, "memreason.feedback.labelled", "Answers with a current label", version, null,
        ModelAccuracy::getLabelled);
    gauge(current, "memreason.feedback.steps.judged", "Steps that carry a verdict", version, "memory",
        ModelAccuracy::getMemoryStepsJudged);
    gauge(current, "memreason.feedback.steps.wrong", "Steps judged wrong", version, "memory",
        ModelAccuracy::getMemoryStepsWrong);
    gauge(current, "memreason.feedback.steps.judged", "Steps that carry a verdict", version, "reason",
        ModelAccuracy::getReasonStepsJudged);
    gauge(current, "memreason.feedback.steps.wrong", "Steps judged wrong", version, "reason",
        ModelAccuracy::getReasonStepsWrong);
    gauge(current, "memreason.feedback.step.error.rate", "Share of the judged steps judged wrong", version, "memory",
        a -> rate(a.getMemoryStepsWrong(), a.getMemoryStepsJudged()));
    gauge(current, "memreason.feedback.step.error.rate", "Share of the judged steps judged wrong", version, "reason",
        a -> rate(a.getReasonStepsWrong(), a.getReasonStepsJudged()));
    return current;
  }

  /** NaN before the first judged step, like the accuracy before the first label. */
  private static double rate(long wrong, long judged) {
    return judged == 0 ? Double.NaN : (double) wrong / judged;
  }

  private void gauge(AtomicReference<ModelAccuracy> current, String name, String description, String version,
                     String kind, ToDoubleFunction<ModelAccuracy> figure) {
    Gauge.Builder<AtomicReference<ModelAccuracy>> b = Gauge.builder(name, current, c -> figure.applyAsDouble(c.get()))
        .description(description).tag("model_version", version);
    if (kind != null) {
      b.tag("kind", kind);
    }
    b.register(registry);
  }
}
