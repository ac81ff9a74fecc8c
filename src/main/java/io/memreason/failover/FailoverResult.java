package io.memreason.failover;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The figures of one failover case on one build.
 *
 * @param victimPartitions the partitions the instance that went away owned at that moment
 * @param affected the questions of those partitions not answered when it went away: from then (or from their
 *     production, if later) to their answer
 * @param others every other question: from its production to its answer, to show whether the whole group stalled
 * @param firstAnswerAfterMs from the kill or signal to the first answer of an affected question
 * @param victimExitCode with SIGTERM: the exit code of the stopped instance
 * @param victimExitMs with SIGTERM: from the signal to the end of its process
 * @param drain with SIGTERM: what the stopped instance logged about its drain
 */
record FailoverResult(String code, FailoverCase failoverCase, int partitions, int questions, double ratePerSecond,
                      Set<Integer> victimPartitions, int lost, int duplicatedAnswers, int duplicatedSteps,
                      Long firstAnswerAfterMs, Spread affected, Spread others, Integer victimExitCode,
                      Long victimExitMs, String drain, String logs) {
  private static final Gson GSON = new GsonBuilder().serializeNulls().create();

  /** How long a set of questions waited: count, p50, p99 and max in milliseconds (nearest rank). */
  record Spread(int count, Long p50Ms, Long p99Ms, Long maxMs) {
    static Spread ofNanos(List<Long> nanos) {
      List<Long> sorted = nanos.stream().sorted().toList();
      if (sorted.isEmpty()) {
        return new Spread(0, null, null, null);
      }
      return new Spread(sorted.size(), rank(sorted, 0.50), rank(sorted, 0.99), sorted.get(sorted.size() - 1) / 1_000_000);
    }

    private static long rank(List<Long> sorted, double p) {
      int rank = (int) Math.ceil(p * sorted.size());
      return sorted.get(Math.max(0, rank - 1)) / 1_000_000;
    }
  }

  /** One JSON line. */
  String json() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("bench", "failover");
    m.put("code", code);
    m.put("case", failoverCase.id());
    m.put("partitions", partitions);
    m.put("questions", questions);
    m.put("rate_per_s", ratePerSecond);
    m.put("victim_partitions", victimPartitions);
    m.put("lost", lost);
    m.put("duplicated", duplicatedAnswers + duplicatedSteps);
    m.put("duplicated_answers", duplicatedAnswers);
    m.put("duplicated_steps", duplicatedSteps);
    m.put("first_answer_after_kill_ms", firstAnswerAfterMs);
    m.put("affected", affected.count());
    m.put("affected_p50_ms", affected.p50Ms());
    m.put("affected_p99_ms", affected.p99Ms());
    m.put("affected_max_ms", affected.maxMs());
    m.put("others_p50_ms", others.p50Ms());
    m.put("others_p99_ms", others.p99Ms());
    m.put("others_max_ms", others.maxMs());
    if (!failoverCase.killed()) {
      m.put("victim_exit_code", victimExitCode);
      m.put("victim_exit_ms", victimExitMs);
      m.put("victim_drain", drain);
    }
    m.put("logs", logs);
    return GSON.toJson(m);
  }
}
