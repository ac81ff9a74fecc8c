package io.memreason.pipeline;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * What the pipeline spent per question between two moments: the CPU of the Kafka Streams side (its stream,
 * producer, heartbeat and state threads, all named after the application id) and of the whole process, the records
 * and bytes it produced (by topic, the pending store's changelog included) and its transactions.
 */
public record PipelineProfile(int questions, double streamsCpuMs, double processCpuMs, double records,
                              double bytes, Map<String, Double> recordsByTopic, double transactions,
                              Map<String, Double> cpuMsByThread, Map<String, Double> brokerRequestsByType) {

  /** The counters at one moment. */
  public static final class Snapshot {
    private final long processCpuNanos;
    private final Map<Long, Long> streamsThreadCpuNanos;
    private final Map<Long, Long> threadCpuNanos;
    private final Map<Long, String> threadNames;
    private final Map<String, Double> brokerRequests;
    private final Map<String, Double> recordsByTopic;
    private final double bytes;
    private final double transactions;

    private Snapshot(long processCpuNanos, Map<Long, Long> streamsThreadCpuNanos, Map<Long, Long> threadCpuNanos,
                     Map<Long, String> threadNames, Map<String, Double> recordsByTopic, double bytes,
                     double transactions, Map<String, Double> brokerRequests) {
      this.brokerRequests = brokerRequests;
      this.processCpuNanos = processCpuNanos;
      this.streamsThreadCpuNanos = streamsThreadCpuNanos;
      this.threadCpuNanos = threadCpuNanos;
      this.threadNames = threadNames;
      this.recordsByTopic = recordsByTopic;
      this.bytes = bytes;
      this.transactions = transactions;
    }
  }

  /** The pipeline's counters now; its threads are those whose names hold {@code applicationId}. */
  public static Snapshot snapshot(InferencePipeline pipeline, String applicationId) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Map<Long, Long> cpu = new HashMap<>();
    Map<Long, Long> all = new HashMap<>();
    Map<Long, String> names = new HashMap<>();
    for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
      long nanos = t == null ? -1 : threads.getThreadCpuTime(t.getThreadId());
      if (nanos < 0) {
        continue;
      }
      // Thread names carry ids (client ids, numbers): the kind of thread is what is left without them.
      names.put(t.getThreadId(), t.getThreadName().replace(applicationId, "APP")
          .replaceAll("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "ID").replaceAll("\\d+", "N"));
      all.put(t.getThreadId(), nanos);
      if (t.getThreadName().contains(applicationId)) {
        cpu.put(t.getThreadId(), nanos);
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
    return new Snapshot(process, cpu, all, names, records, bytes, transactions, brokerRequests());
  }

  /**
   * The requests a broker in this JVM has handled so far, by type (its JMX meters); none when the broker runs
   * elsewhere.
   */
  private static Map<String, Double> brokerRequests() {
    Map<String, Double> counts = new TreeMap<>();
    try {
      MBeanServer server = ManagementFactory.getPlatformMBeanServer();
      for (ObjectName name : server.queryNames(new ObjectName(
          "kafka.network:type=RequestMetrics,name=RequestsPerSec,*"), null)) {
        if (server.getAttribute(name, "Count") instanceof Long count) {
          counts.merge(name.getKeyProperty("request"), count.doubleValue(), Double::sum);
        }
      }
    } catch (JMException e) {
      return Map.of();
    }
    return counts;
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
    Map<String, Double> byThread = new HashMap<>();
    after.threadCpuNanos.forEach((id, nanos) -> byThread.merge(after.threadNames.get(id),
        (nanos - before.threadCpuNanos.getOrDefault(id, 0L)) / 1e6 / n, Double::sum));
    Map<String, Double> busiest = new LinkedHashMap<>();
    byThread.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(12)
        .forEach(e -> busiest.put(e.getKey(), round(e.getValue())));
    Map<String, Double> requests = new LinkedHashMap<>();
    after.brokerRequests.forEach((type, count) -> {
      double handled = (count - before.brokerRequests.getOrDefault(type, 0.0)) / n;
      if (handled > 0.001) {
        requests.put(type, round(handled));
      }
    });
    return new PipelineProfile(questions, round(streamsNanos / 1e6 / n),
        round((after.processCpuNanos - before.processCpuNanos) / 1e6 / n), round(records / n),
        round((after.bytes - before.bytes) / n), byTopic, round((after.transactions - before.transactions) / n),
        busiest, requests);
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
    m.put("cpu_ms_per_question_by_thread", cpuMsByThread);
    if (!brokerRequestsByType.isEmpty()) {
      m.put("broker_requests_per_question", brokerRequestsByType);
    }
    return m;
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
