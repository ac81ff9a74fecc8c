package io.memreason.failover;

import io.memreason.avro.Question;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How fast memreason fails over, measured on real processes: a Kafka broker in a JVM of its own (the
 * {@code broker} command of this build) and, per case and per build of memreason to compare, two {@code serve}
 * processes of that build in one consumer group. One of them is killed with kill -9 (then restarted on its state
 * directory, never restarted, or replaced by an instance with an empty one) or stopped with SIGTERM (also in the
 * middle of a rebalance), while questions keep coming; each case prints one JSON line ({@link FailoverResult}).
 */
public final class FailoverBenchmark {
  private static final Pattern BROKER_READY = Pattern.compile("Kafka broker running at (\\S+)");
  private static final Duration BROKER_START = Duration.ofMinutes(2);

  /**
   * What every case shares.
   *
   * @param rate questions offered per second
   * @param killAfter from the first measured question to the incident (with sigterm-rebalance, to the start of the
   *     third instance, whose joining the group starts the rebalance)
   * @param afterSignal how long questions keep coming after the kill or signal
   * @param restartAfter from the kill to the start of the restarted or replacing instance
   * @param answerTimeout how long after the last question was offered the rest still counts (then it is lost)
   * @param staticMembership each instance a static member ({@code streams.group.instance.id} = its name)
   * @param serveSettings {@code --set} keys given to every {@code serve} instance
   * @param jvmOptions options of every instance's JVM
   */
  public record Settings(int partitions, double rate, Duration killAfter, Duration afterSignal, Duration restartAfter,
                         Duration answerTimeout, boolean staticMembership, Map<String, String> serveSettings,
                         List<String> jvmOptions, Path workDir) {}

  private FailoverBenchmark() {}

  /**
   * Runs every case on every build ({@code builds}: a name and the class path its instances run from), case by case
   * so that the builds meet the same load, printing one JSON line each.
   */
  public static void run(Settings settings, Map<String, String> builds, List<FailoverCase> cases,
                         List<Question> warmup, List<Question> samples, int minQuestions, PrintStream out)
      throws Exception {
    // A benchmark stopped early leaves no broker or instance behind.
    Thread reaper = new Thread(() -> ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly));
    Runtime.getRuntime().addShutdownHook(reaper);
    try (MemreasonProcess broker = MemreasonProcess.start("broker", System.getProperty("java.class.path"),
        List.of("-Xmx512m"), List.of("broker", "--port", "0", "--data-dir", settings.workDir().resolve("broker")
            .toString()), settings.workDir().resolve("broker.log"))) {
      Matcher ready = broker.awaitLine(BROKER_READY, BROKER_START);
      String bootstrap = ready.group(1);
      for (FailoverCase failoverCase : cases) {
        for (Map.Entry<String, String> build : builds.entrySet()) {
          FailoverRun run = new FailoverRun(settings, build.getKey(), build.getValue(), failoverCase, bootstrap);
          out.println(run.run(warmup, samples, minQuestions).json());
          out.flush();
        }
      }
    }
  }
}
