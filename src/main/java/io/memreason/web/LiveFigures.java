package io.memreason.web;

import io.memreason.avro.ModelAccuracy;
import io.memreason.avro.ModelVersion;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The figures in the page's header. From the answers followed: answers per second over the last
 * {@value #RATE_WINDOW_SECONDS} s, the p50/p99 latency of the last {@value #LATENCY_SAMPLE} answers, and per model
 * version its answers and its share of those last answers. From the feedback statistics topic (the feedback
 * aggregator's {@code ModelAccuracy}, one per model version): live accuracy and step error rates per version, and how
 * the wrong steps split between memory and reason steps. From the model-versions topic: each version's status in the
 * registry and the reason given for it (what the promotion gate or the live gate decided, and why). Thread-safe.
 */
final class LiveFigures {
  static final int RATE_WINDOW_SECONDS = 10;
  static final int LATENCY_SAMPLE = 500;
  private static final ModelAccuracy NO_LABELS = new ModelAccuracy("", 0L, 0L, 0L, 0L, 0L, 0L, 0L, Instant.EPOCH);

  /** What the header shows; a latency is null while no answer was followed. */
  record Figures(double answersPerSecond, Long latencyP50Ms, Long latencyP99Ms, int latencySample,
                 List<VersionFigures> versions, WrongSteps wrongSteps) {}

  /**
   * One model version: its registry status and the reason for it (null when the model-versions topic says nothing of
   * it), its answers since the page started and its share of the last {@value #LATENCY_SAMPLE} answers (null before
   * any), and its labelled answers. {@code accuracy} is correct / labelled and each error rate wrong / judged steps of
   * that kind; null when there is nothing to divide.
   */
  record VersionFigures(String modelVersion, String status, String reason, long answers, Double share, long labelled,
                        long correct, long incorrect, Double accuracy, long memoryStepsJudged, long memoryStepsWrong,
                        Double memoryErrorRate, long reasonStepsJudged, long reasonStepsWrong, Double reasonErrorRate) {}

  /** Steps judged wrong over all versions, by kind (assignment steps count as reason steps, as in the aggregator). */
  record WrongSteps(long memory, long reason) {}

  private final Clock clock;
  private final Deque<Long> answerTimes = new ArrayDeque<>();
  private final long[] latencies = new long[LATENCY_SAMPLE];
  private int latencyCount;
  private int latencyNext;
  private final Map<String, ModelAccuracy> accuracyByVersion = new TreeMap<>();
  private final Map<String, ModelVersion> registryStatus = new HashMap<>();
  private final Map<String, Long> answersByVersion = new HashMap<>();
  /** The versions of the last answers (a ring of {@value #LATENCY_SAMPLE}, like the latencies). */
  private final String[] recentVersions = new String[LATENCY_SAMPLE];

  LiveFigures(Clock clock) {
    this.clock = clock;
  }

  synchronized void onAnswer(String modelVersion, long latencyMs) {
    answerTimes.addLast(clock.millis());
    answersByVersion.merge(modelVersion, 1L, Long::sum);
    recentVersions[latencyNext] = modelVersion;
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

  /** The latest announcement of a version on the model-versions topic; null (a tombstone) forgets it. */
  synchronized void onModelVersion(String modelVersion, ModelVersion announced) {
    if (announced == null) {
      registryStatus.remove(modelVersion);
    } else {
      registryStatus.put(modelVersion, announced);
    }
  }

  synchronized Figures now() {
    long windowStart = clock.millis() - Duration.ofSeconds(RATE_WINDOW_SECONDS).toMillis();
    while (!answerTimes.isEmpty() && answerTimes.peekFirst() <= windowStart) {
      answerTimes.removeFirst();
    }
    long[] sorted = Arrays.copyOf(latencies, latencyCount);
    Arrays.sort(sorted);
    Map<String, Long> recent = new HashMap<>();
    for (int i = 0; i < latencyCount; i++) {
      recent.merge(recentVersions[i], 1L, Long::sum);
    }
    Set<String> names = new TreeSet<>(accuracyByVersion.keySet());
    names.addAll(registryStatus.keySet());
    names.addAll(answersByVersion.keySet());
    List<VersionFigures> versions = names.stream().map(v -> versionFigures(v, recent)).toList();
    WrongSteps wrong = new WrongSteps(versions.stream().mapToLong(VersionFigures::memoryStepsWrong).sum(),
        versions.stream().mapToLong(VersionFigures::reasonStepsWrong).sum());
    return new Figures((double) answerTimes.size() / RATE_WINDOW_SECONDS, percentile(sorted, 0.50),
        percentile(sorted, 0.99), sorted.length, versions, wrong);
  }

  /** Nearest-rank percentile: the smallest value with at least {@code p} of the values at or below it. */
  static Long percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return null;
    }
    int rank = (int) Math.ceil(p * sorted.length);
    return sorted[Math.max(rank, 1) - 1];
  }

  private VersionFigures versionFigures(String version, Map<String, Long> recent) {
    ModelAccuracy m = accuracyByVersion.getOrDefault(version, NO_LABELS);
    ModelVersion announced = registryStatus.get(version);
    return new VersionFigures(version, announced == null ? null : announced.getStatus().name(),
        announced == null ? null : announced.getReason(), answersByVersion.getOrDefault(version, 0L),
        ratio(recent.getOrDefault(version, 0L), latencyCount), m.getLabelled(), m.getCorrect(), m.getIncorrect(),
        ratio(m.getCorrect(), m.getLabelled()), m.getMemoryStepsJudged(), m.getMemoryStepsWrong(),
        ratio(m.getMemoryStepsWrong(), m.getMemoryStepsJudged()), m.getReasonStepsJudged(), m.getReasonStepsWrong(),
        ratio(m.getReasonStepsWrong(), m.getReasonStepsJudged()));
  }

  private static Double ratio(long part, long whole) {
    return whole == 0 ? null : (double) part / whole;
  }
}
