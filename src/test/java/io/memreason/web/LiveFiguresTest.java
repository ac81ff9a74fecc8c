package io.memreason.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.memreason.avro.ModelAccuracy;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class LiveFiguresTest {
  private Instant now = MonitorFixture.T0;
  private final LiveFigures figures = new LiveFigures(new Clock() {
    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      throw new UnsupportedOperationException();
    }
  });

  @Test
  void showsNoLatencyAndNoAccuracyBeforeAnything() {
    LiveFigures.Figures f = figures.now();
    assertEquals(0.0, f.answersPerSecond());
    assertNull(f.latencyP50Ms());
    assertEquals(List.of(), f.accuracy());
    assertEquals(new LiveFigures.WrongSteps(0, 0), f.wrongSteps());
  }

  @Test
  void countsAnswersOfTheLastTenSeconds() {
    for (int i = 0; i < 5; i++) {
      figures.onAnswer(100);
    }
    now = now.plusSeconds(6);
    for (int i = 0; i < 15; i++) {
      figures.onAnswer(100);
    }
    assertEquals(2.0, figures.now().answersPerSecond());
    now = now.plusSeconds(5);
    assertEquals(1.5, figures.now().answersPerSecond(), "the first five are older than 10 s");
  }

  @Test
  void latencyPercentilesAreNearestRankOverTheRecentAnswers() {
    for (int ms = 1; ms <= 100; ms++) {
      figures.onAnswer(ms);
    }
    LiveFigures.Figures f = figures.now();
    assertEquals(50L, f.latencyP50Ms());
    assertEquals(99L, f.latencyP99Ms());
    for (int i = 0; i < LiveFigures.LATENCY_SAMPLE; i++) {
      figures.onAnswer(7);
    }
    assertEquals(7L, figures.now().latencyP99Ms(), "older answers drop out of the sample");
    assertEquals(LiveFigures.LATENCY_SAMPLE, figures.now().latencySample());
  }

  @Test
  void accuracyPerVersionAndWrongStepsFromTheAggregatorsStatistics() {
    figures.onAccuracy("v1", accuracy("v1", 10, 7, 4, 1));
    figures.onAccuracy("v2", accuracy("v2", 4, 1, 2, 3));
    figures.onAccuracy("v1", accuracy("v1", 20, 15, 6, 2));
    LiveFigures.Figures f = figures.now();
    assertEquals(List.of("v1", "v2"), f.accuracy().stream().map(LiveFigures.VersionAccuracy::modelVersion).toList());
    assertEquals(0.75, f.accuracy().get(0).accuracy(), "the latest figures of v1 replace the earlier ones");
    assertEquals(0.25, f.accuracy().get(1).accuracy());
    assertEquals(new LiveFigures.WrongSteps(8, 5), f.wrongSteps());

    figures.onAccuracy("v2", null);
    assertEquals(1, figures.now().accuracy().size(), "a tombstone forgets the version");
  }

  private ModelAccuracy accuracy(String version, long labelled, long correct, long memoryWrong, long reasonWrong) {
    return ModelAccuracy.newBuilder().setModelVersion(version).setLabelled(labelled).setCorrect(correct)
        .setIncorrect(labelled - correct).setMemoryStepsJudged(memoryWrong * 2).setMemoryStepsWrong(memoryWrong)
        .setReasonStepsJudged(reasonWrong * 2).setReasonStepsWrong(reasonWrong).setUpdatedAt(now)
        .build();
  }
}
