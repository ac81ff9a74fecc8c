package io.memreason.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.memreason.avro.ModelAccuracy;
import io.memreason.avro.ModelStatus;
import io.memreason.avro.ModelVersion;
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
    assertEquals(List.of(), f.versions());
    assertEquals(new LiveFigures.WrongSteps(0, 0), f.wrongSteps());
  }

  @Test
  void countsAnswersOfTheLastTenSeconds() {
    for (int i = 0; i < 5; i++) {
      figures.onAnswer("v1", 100);
    }
    now = now.plusSeconds(6);
    for (int i = 0; i < 15; i++) {
      figures.onAnswer("v1", 100);
    }
    assertEquals(2.0, figures.now().answersPerSecond());
    now = now.plusSeconds(5);
    assertEquals(1.5, figures.now().answersPerSecond(), "the first five are older than 10 s");
  }

  @Test
  void latencyPercentilesAreNearestRankOverTheRecentAnswers() {
    for (int ms = 1; ms <= 100; ms++) {
      figures.onAnswer("v1", ms);
    }
    LiveFigures.Figures f = figures.now();
    assertEquals(50L, f.latencyP50Ms());
    assertEquals(99L, f.latencyP99Ms());
    for (int i = 0; i < LiveFigures.LATENCY_SAMPLE; i++) {
      figures.onAnswer("v1", 7);
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
    assertEquals(List.of("v1", "v2"), f.versions().stream().map(LiveFigures.VersionFigures::modelVersion).toList());
    assertEquals(0.75, f.versions().get(0).accuracy(), "the latest figures of v1 replace the earlier ones");
    assertEquals(0.25, f.versions().get(1).accuracy());
    assertEquals(new LiveFigures.WrongSteps(8, 5), f.wrongSteps());

    figures.onAccuracy("v2", null);
    assertEquals(1, figures.now().versions().size(), "a tombstone forgets the version");
  }

  @Test
  void perVersionItsStatusAndTheGatesReasonItsTrafficAndItsErrorRates() {
    figures.onModelVersion("v1", announced("v1", ModelStatus.PROMOTED, "imported"));
    figures.onModelVersion("v2", announced("v2", ModelStatus.CANARY, "eval accuracy 0.92 >= v1's 0.91"));
    for (int i = 0; i < 8; i++) {
      figures.onAnswer("v1", 100);
    }
    figures.onAnswer("v2", 100);
    figures.onAnswer("v2", 100);
    figures.onAccuracy("v2", accuracy("v2", 4, 3, 1, 2));
    figures.onModelVersion("v2", announced("v2", ModelStatus.REJECTED, "live accuracy v2 0/12 below v1"));

    LiveFigures.Figures f = figures.now();
    assertEquals(List.of("v1", "v2"), f.versions().stream().map(LiveFigures.VersionFigures::modelVersion).toList());
    LiveFigures.VersionFigures v1 = f.versions().get(0);
    LiveFigures.VersionFigures v2 = f.versions().get(1);
    assertEquals(new LiveFigures.VersionFigures("v1", "PROMOTED", "imported", 8, 0.8, 0, 0, 0, null, 0, 0, null, 0, 0,
        null), v1, "answers and share without labels; no rate without judged steps");
    assertEquals(new LiveFigures.VersionFigures("v2", "REJECTED", "live accuracy v2 0/12 below v1", 2, 0.2, 4, 3, 1,
        0.75, 2, 1, 0.5, 4, 2, 0.5), v2, "the latest announcement replaces the earlier one");

    for (int i = 0; i < LiveFigures.LATENCY_SAMPLE; i++) {
      figures.onAnswer("v1", 100);
    }
    assertEquals(1.0, figures.now().versions().get(0).share(), "the share is of the last answers");
    assertEquals(0.0, figures.now().versions().get(1).share());
    assertEquals(2, figures.now().versions().get(1).answers(), "the answers are counted since the page started");
    figures.onModelVersion("v2", null);
    figures.onAccuracy("v2", null);
    assertEquals(2, figures.now().versions().size(), "its answers keep a version on the page");
    assertNull(figures.now().versions().get(1).status(), "a tombstone forgets the status");
  }

  private ModelVersion announced(String version, ModelStatus status, String reason) {
    return ModelVersion.newBuilder().setVersion(version).setBaseModel("base").setLocation("/registry/" + version)
        .setStatus(status).setReason(reason).setCreatedAt(now).build();
  }

  private ModelAccuracy accuracy(String version, long labelled, long correct, long memoryWrong, long reasonWrong) {
    return ModelAccuracy.newBuilder().setModelVersion(version).setLabelled(labelled).setCorrect(correct)
        .setIncorrect(labelled - correct).setMemoryStepsJudged(memoryWrong * 2).setMemoryStepsWrong(memoryWrong)
        .setReasonStepsJudged(reasonWrong * 2).setReasonStepsWrong(reasonWrong).setUpdatedAt(now)
        .build();
  }
}
