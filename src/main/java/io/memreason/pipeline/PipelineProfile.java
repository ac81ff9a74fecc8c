package io.memreason.pipeline;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * What the pipeline spent per question between two moments: the CPU of the Kafka Streams side (its stream,
 * producer, heartbeat and state threads, all named after the application id) and of the whole process, the records
 * and bytes it produced (by topic, the pending store's changelog included) and its transactions.
 */
public record PipelineProfile(int questions, double streamsCpuMs, double processCpuMs, double records,
                              double bytes, Map<String, Double> recordsByTopic, double transactions) {

  /** The counters at one moment. */
  public static final class Snapshot {
    private final long processCpuNanos;
    private final Map<Long, Long> streamsThreadCpuNanos;
    private final Map<String, Double> recordsByTopic;
    private final double bytes;
    private final double transactions;

    private Snapshot(long processCpuNanos, Map<Long, Long> streamsThreadCpuNanos, Map<String, Double> recordsByTopic,
                     double bytes, double transactions) {
      this.processCpuNanos = processCpuNanos;
      this.streamsThreadCpuNanos = streamsThreadCpuNanos;
      this.recordsByTopic = recordsByTopic;
      this.bytes = bytes;
      this.transactions = transactions;
    }
  }

  /** The pipeline's counters now; its threads are those whose names hold {@code applicationId}. */
  public static Snapshot snapshot(InferencePipeline pipeline, String applicationId) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Map<Long, Long> cpu = new HashMap<>();
    for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (t != null && t.getThreadName().contains(applicationId)) {
        long nanos = threads.getThreadCpuTime(t.getThreadId());
        if (nanos >= 0) {
          cpu.put(t.getThreadId(), nanos);
        }
      }
    }
    Map<String, Double> records = new TreeMap<>();
    double bytes = 0;
    double transactions = 0;
    for (Map.Entry<MetricName, ? extends Metric> e : pipeline.kafkaMetrics().entrySet()) {
      MetricName name = e.getKey();
      if (!(e.getValue().metricValue() instanceof Double value)) {
        continue;
      }
      if (name.group().equals("producer-topic-metrics") && name.name().equals("record-send-total")) {
        records.merge(name.tags().get("topic"), value, Double::sum);
      } else if (name.group().equals("producer-topic-metrics") && name.name().equals("byte-total")) {
        bytes += value;
      } else if (name.group().equals("stream-thread-metrics") && name.name().equals("commit-total")) {
        transactions += value;
      }
    }
    long process = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
    return new Snapshot(process, cpu, records, bytes, transactions);
  }

  /** Per question, from {@code before} to {@code after}. */
  public static PipelineProfile between(Snapshot before, Snapshot after, int questions) {
    double n = Math.max(1, questions);
    long streamsNanos = 0;
    for (Map.Entry<Long, Long> t : after.streamsThreadCpuNanos.entrySet()) {
      streamsNanos += t.getValue() - before.streamsThreadCpuNanos.getOrDefault(t.getKey(), 0L);
    }
    Map<String, Double> byTopic = new LinkedHashMap<>();
    double records = 0;
    for (Map.Entry<String, Double> t : after.recordsByTopic.entrySet()) {
      double sent = t.getValue() - before.recordsByTopic.getOrDefault(t.getKey(), 0.0);
      byTopic.put(t.getKey(), round(sent / n));
      records += sent;
    }
    return new PipelineProfile(questions, round(streamsNanos / 1e6 / n),
        round((after.processCpuNanos - before.processCpuNanos) / 1e6 / n), round(records / n),
        round((after.bytes - before.bytes) / n), byTopic, round((after.transactions - before.transactions) / n));
  }

  /** The figures as JSON fields, per question. */
  Map<String, Object> fields() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("streams_cpu_ms_per_question", streamsCpuMs);
    m.put("process_cpu_ms_per_question", processCpuMs);
    m.put("records_per_question", records);
    m.put("bytes_per_question", bytes);
    m.put("records_per_question_by_topic", recordsByTopic);
    m.put("transactions_per_question", transactions);
    return m;
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
