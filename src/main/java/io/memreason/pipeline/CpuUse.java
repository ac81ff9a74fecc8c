package io.memreason.pipeline;

import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Where this process's CPU went, at one moment: the whole process, each Java thread, and the JVM's own work that no
 * Java thread shows (the JIT compiler's threads and the garbage collector). On a machine with few cores a short
 * benchmark is paid largely in JIT compilation, so a figure without it would blame the wrong code.
 *
 * @param threadNanos CPU nanoseconds so far by Java thread id
 * @param compileMs the JIT compiler's time so far
 * @param gcMs the collectors' time so far
 */
record CpuUse(long processNanos, Map<Long, Long> threadNanos, Map<Long, String> threadNames, long compileMs,
              long gcMs) {
  private static final int BUSIEST = 12;

  static CpuUse now() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Map<Long, Long> cpu = new HashMap<>();
    Map<Long, String> names = new HashMap<>();
    for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
      long nanos = t == null ? -1 : threads.getThreadCpuTime(t.getThreadId());
      if (nanos >= 0) {
        cpu.put(t.getThreadId(), nanos);
        names.put(t.getThreadId(), t.getThreadName());
      }
    }
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    long compile = jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
    long gc = 0;
    for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
      gc += Math.max(0, collector.getCollectionTime());
    }
    long process = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
    return new CpuUse(process, cpu, names, compile, gc);
  }

  /**
   * The JIT compiler's time over the process's CPU from {@code before} to this (0 when nothing ran); the compiler's
   * time is its threads' elapsed time, so while they wait for a core this can exceed 1.
   */
  double jitShareSince(CpuUse before) {
    double cpuMs = (processNanos - before.processNanos) / 1e6;
    return cpuMs <= 0 ? 0 : (compileMs - before.compileMs) / cpuMs;
  }

  /** CPU milliseconds per question of the Java threads whose names {@code match}, from {@code before} to this. */
  double threadsMsPerQuestion(CpuUse before, Predicate<String> match, int questions) {
    long nanos = 0;
    for (Map.Entry<Long, Long> t : threadNanos.entrySet()) {
      if (match.test(threadNames.get(t.getKey()))) {
        nanos += t.getValue() - before.threadNanos.getOrDefault(t.getKey(), 0L);
      }
    }
    return nanos / 1e6 / Math.max(1, questions);
  }

  /**
   * Per question, from {@code before} to this: the process's CPU, the JIT compiler's time, the collector's, and the
   * busiest kinds of thread (a thread's name without {@code applicationId} and numbers, so that the threads of one
   * kind add up), as JSON fields.
   */
  Map<String, Object> since(CpuUse before, String applicationId, int questions) {
    double n = Math.max(1, questions);
    Map<String, Double> byKind = new HashMap<>();
    threadNanos.forEach((id, nanos) -> byKind.merge(kindOf(threadNames.get(id), applicationId),
        (nanos - before.threadNanos.getOrDefault(id, 0L)) / 1e6 / n, Double::sum));
    Map<String, Double> busiest = new LinkedHashMap<>();
    byKind.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(BUSIEST)
        .forEach(e -> busiest.put(e.getKey(), round(e.getValue())));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("process_cpu_ms_per_question", round((processNanos - before.processNanos) / 1e6 / n));
    m.put("jit_compile_ms_per_question", round((compileMs - before.compileMs) / n));
    m.put("gc_ms_per_question", round((gcMs - before.gcMs) / n));
    m.put("cpu_ms_per_question_by_thread", busiest);
    return m;
  }

  /** Thread names carry ids (client ids, numbers): the kind of thread is what is left without them. */
  private static String kindOf(String threadName, String applicationId) {
    String name = applicationId.isEmpty() ? threadName : threadName.replace(applicationId, "APP");
    return name.replaceAll("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "ID")
        .replaceAll("\\d+", "N");
  }

  static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
