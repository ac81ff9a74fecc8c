package io.memreason.pipeline;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.memreason.avro.StepKind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Recording a metric never throws, whatever the durations and whatever the registry does. */
class PipelineMetricsTest {

  @Test
  void durationsOfCenturiesAreRecordedAsTheLongestInsteadOfOverflowing() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    PipelineMetrics metrics = new PipelineMetrics(registry);
    // Long.MIN_VALUE ms to now: a Timer's nanoseconds overflow (ArithmeticException before issue 15).
    metrics.firstStep(Duration.between(Instant.ofEpochMilli(Long.MIN_VALUE), Instant.now()));
    metrics.firstStep(Duration.between(Instant.parse("1000-01-01T00:00:00Z"), Instant.now()));
    metrics.firstStep(Duration.ofSeconds(-5));
    assertEquals(PipelineMetrics.LONGEST.toDays(),
        (long) registry.get("memreason.first.step.latency").timer().max(TimeUnit.DAYS));
    assertEquals(3, registry.get("memreason.first.step.latency").timer().count());
  }

  @Test
  void aRegistryThatThrowsDoesNotStopAnything() {
    java.util.concurrent.atomic.AtomicBoolean broken = new java.util.concurrent.atomic.AtomicBoolean();
    SimpleMeterRegistry registry = new SimpleMeterRegistry() {
      @Override
      protected Counter newCounter(Meter.Id id) {
        if (broken.get()) {
          throw new IllegalStateException("the registry is broken");
        }
        return super.newCounter(id);
      }
    };
    PipelineMetrics metrics = new PipelineMetrics(registry);
    broken.set(true);
    assertDoesNotThrow(() -> {
      metrics.deadLettered("INVALID");
      metrics.stepPublished(StepKind.MEMORY);
      metrics.outputReplaced("Answer");
      metrics.dropped();
    });
  }
}
