package io.memreason.web;

import io.memreason.avro.ModelAccuracy;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The figures in the page's header. From the answers followed: answers per second over the last
 * {@value #RATE_WINDOW_SECONDS} s and the p50/p99 latency of the last {@value #LATENCY_SAMPLE} answers. From the
 * feedback statistics topic (the feedback aggregator's {@code ModelAccuracy}, one per model version): accuracy per
 * version and how the wrong steps split between memory and reason steps. Thread-safe.
 */
final class LiveFigures {
  static final int RATE_WINDOW_SECONDS = 10;
  static final int LATENCY_SAMPLE = 500;

  /** What the header shows; a latency is null while no answer was followed. */
  record Figures(double answersPerSecond, Long latencyP50Ms, Long latencyP99Ms, int latencySample,
                 List<VersionAccuracy> accuracy, WrongSteps wrongSteps) {}

  /** One model version's labelled answers; {@code accuracy} is correct / labelled, null when none is labelled. */
  record VersionAccuracy(String modelVersion, long labelled, long correct, long incorrect, Double accuracy,
                         long memoryStepsJudged, long memoryStepsWrong, long reasonStepsJudged, long reasonStepsWrong) {}

  /** Steps judged wrong over all versions, by kind (assignment steps count as reason steps, as in the aggregator). */
  record WrongSteps(long memory, long reason) {}

  private final Clock clock;
  private final Deque<Long> answerTimes = new ArrayDeque<>();
  private final long[] latencies = new long[LATENCY_SAMPLE];
  private int latencyCount;
  private int latencyNext;
  private final Map<String, ModelAccuracy> accuracyByVersion = new TreeMap<>();

  LiveFigures(Clock clock) {
    this.clock = clock;
  }

  synchronized void onAnswer(long latencyMs) {
    answerTimes.addLast(clock.millis());
    latencies[latencyNext] = latencyMs;
    latencyNext = (latencyNext + 1) % LATENCY_SAMPLE;
    latencyCount = Math.min(latencyCount + 1, LATENCY_SAMPLE);
  }

  /** The latest figures of a version; null (a tombstone on the compacted topic) forgets the version. */
  synchronized void onAccuracy(String modelVersion, ModelAccuracy figures) {
    if (figures == null) {
      accuracyByVersion.remove(modelVersion);
    } else {
      accuracyByVersion.put(modelVersion, figures);
    }
  }

  synchronized Figures now() {
    long windowStart = clock.millis() - Duration.ofSeconds(RATE_WINDOW_SECONDS).toMillis();
    while (!answerTimes.isEmpty() && answerTimes.peekFirst() <= windowStart) {
      answerTimes.removeFirst();
    }
    long[] sorted = Arrays.copyOf(latencies, latencyCount);
    Arrays.sort(sorted);
    List<VersionAccuracy> accuracy = accuracyByVersion.values().stream().map(LiveFigures::versionAccuracy).toList();
    WrongSteps wrong = new WrongSteps(accuracy.stream().mapToLong(VersionAccuracy::memoryStepsWrong).sum(),
        accuracy.stream().mapToLong(VersionAccuracy::reasonStepsWrong).sum());
    return new Figures((double) answerTimes.size() / RATE_WINDOW_SECONDS, percentile(sorted, 0.50),
        percentile(sorted, 0.99), sorted.length, accuracy, wrong);
  }

  /** Nearest-rank percentile: the smallest value with at least {@code p} of the values at or below it. */
  static Long percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return null;
    }
    int rank = (int) Math.ceil(p * sorted.length);
    return sorted[Math.max(rank, 1) - 1];
  }

  private static VersionAccuracy versionAccuracy(ModelAccuracy m) {
    return new VersionAccuracy(m.getModelVersion(), m.getLabelled(), m.getCorrect(), m.getIncorrect(),
        m.getLabelled() == 0 ? null : (double) m.getCorrect() / m.getLabelled(), m.getMemoryStepsJudged(),
        m.getMemoryStepsWrong(), m.getReasonStepsJudged(), m.getReasonStepsWrong());
  }
}
