package io.memreason.pipeline;

import java.lang.management.ManagementFactory;
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
 * producer, heartbeat and state threads, all named after the application id), of the whole process and where it went
 * ({@link CpuUse}), the records and bytes it produced (by topic, the pending store's changelog included), its
 * transactions and the requests a broker in this process handled.
 */
public record PipelineProfile(double streamsCpuMs, Map<String, Object> cpu, double records, double bytes,
                              Map<String, Double> recordsByTopic, double transactions,
                              Map<String, Double> brokerRequestsByType) {

  /** The counters at one moment. */
  public static final class Snapshot {
    private final String applicationId;
    private final CpuUse cpu;
    private final Map<String, Double> brokerRequests;
    private final Map<String, Double> recordsByTopic;
    private final double bytes;
    private final double transactions;

    private Snapshot(String applicationId, CpuUse cpu, Map<String, Double> recordsByTopic, double bytes,
                     double transactions, Map<String, Double> brokerRequests) {
      this.applicationId = applicationId;
      this.cpu = cpu;
      this.brokerRequests = brokerRequests;
      this.recordsByTopic = recordsByTopic;
      this.bytes = bytes;
      this.transactions = transactions;
    }
  }

  /** The pipeline's counters now; its threads are those whose names hold {@code applicationId}. */
  public static Snapshot snapshot(InferencePipeline pipeline, String applicationId) {
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
    return new Snapshot(applicationId, CpuUse.now(), records, bytes, transactions, brokerRequests());
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
    Map<String, Double> byTopic = new LinkedHashMap<>();
    double records = 0;
    for (Map.Entry<String, Double> t : after.recordsByTopic.entrySet()) {
      double sent = t.getValue() - before.recordsByTopic.getOrDefault(t.getKey(), 0.0);
      byTopic.put(t.getKey(), round(sent / n));
      records += sent;
    }
    Map<String, Double> requests = new LinkedHashMap<>();
    after.brokerRequests.forEach((type, count) -> {
      double handled = (count - before.brokerRequests.getOrDefault(type, 0.0)) / n;
      if (handled > 0.001) {
        requests.put(type, round(handled));
      }
    });
    String app = after.applicationId;
    return new PipelineProfile(round(after.cpu.threadsMsPerQuestion(before.cpu, name -> name.contains(app), questions)),
        after.cpu.since(before.cpu, app, questions), round(records / n), round((after.bytes - before.bytes) / n),
        byTopic, round((after.transactions - before.transactions) / n), requests);
  }

  /** The figures as JSON fields, per question. */
  Map<String, Object> fields() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("streams_cpu_ms_per_question", streamsCpuMs);
    m.putAll(cpu);
    m.put("records_per_question", records);
    m.put("bytes_per_question", bytes);
    m.put("records_per_question_by_topic", recordsByTopic);
    m.put("transactions_per_question", transactions);
    if (!brokerRequestsByType.isEmpty()) {
      m.put("broker_requests_per_question", brokerRequestsByType);
    }
    return m;
  }

  private static double round(double v) {
    return CpuUse.round(v);
  }
}
