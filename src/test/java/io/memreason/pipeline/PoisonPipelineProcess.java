package io.memreason.pipeline;

import io.memreason.config.MemreasonConfig;
import io.memreason.web.Health;
import io.memreason.web.TraceMonitor;
import io.memreason.web.WebServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;

/**
 * What {@code serve} runs, in a process of its own with the Docker image's heap settings, for the poison tests:
 * {@code PoisonPipelineProcess BOOTSTRAP NAME} runs the pipeline on the default model with
 * {@link FaultInjectingReasoner}, and the live page's monitor (which decodes every question too) with its HTTP
 * server, until it is killed. It reports on standard output the server's port ({@code WEB 41234}), every change of
 * the Streams state ({@code STATE RUNNING}) and twice a second its memory ({@code MEMORY heapPeak=... oldPeak=...
 * heapUsed=... rss=... rssPeak=...}, bytes). The peaks are those of the heap pools since the start (all of them, and
 * the old generation's, where an array of many megabytes is allocated directly), so no allocation, however
 * short-lived, escapes them.
 */
public final class PoisonPipelineProcess {
  /** The live page on a free loopback port without sign-in (the test reads it as a watcher), keeping every question. */
  static final Map<String, String> WEB = Map.of("web.host", "127.0.0.1", "web.auth", "none", "web.port", "0",
      "web.recent-questions", "2000");

  private PoisonPipelineProcess() {}

  public static void main(String[] args) throws Exception {
    MemreasonConfig config = PipelineFixture.configNamed(args[0], args[1]).with(WEB);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    InferencePipeline pipeline = InferencePipeline.start(config,
        new FaultInjectingReasoner(PipelineFixture.reasoner(config)), registry);
    WebServer web = WebServer.start(config.web(), registry, () -> Health.of(pipeline.state()),
        TraceMonitor.start(config));
    System.out.println("WEB " + web.port());
    KafkaStreams.State reported = null;
    long nextMemory = 0;
    while (true) {
      KafkaStreams.State state = pipeline.state();
      if (state != reported) {
        System.out.println("STATE " + state + (pipeline.failure() == null ? "" : " " + pipeline.failure()));
        reported = state;
      }
      if (System.nanoTime() > nextMemory) {
        System.out.println(memory());
        nextMemory = System.nanoTime() + Duration.ofMillis(500).toNanos();
      }
      Thread.sleep(20);
    }
  }

  private static String memory() throws IOException {
    long peak = 0;
    long oldPeak = 0;
    long used = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
        used += pool.getUsage().getUsed();
        if (pool.getName().contains("Old") || pool.getName().contains("Tenured")) {
          oldPeak += pool.getPeakUsage().getUsed();
        }
      }
    }
    long rss = 0;
    long rssPeak = 0;
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        rss = kilobytes(line) * 1024;
      } else if (line.startsWith("VmHWM:")) {
        rssPeak = kilobytes(line) * 1024;
      }
    }
    return "MEMORY heapPeak=" + peak + " oldPeak=" + oldPeak + " heapUsed=" + used + " rss=" + rss + " rssPeak="
        + rssPeak;
  }

  private static long kilobytes(String statusLine) {
    return Long.parseLong(statusLine.replaceAll("[^0-9]", ""));
  }
}
