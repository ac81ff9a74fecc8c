package io.memreason.cli;

import io.memreason.config.MemreasonConfig;
import io.memreason.demo.SampleQuestions;
import io.memreason.failover.FailoverBenchmark;
import io.memreason.failover.FailoverCase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code memreason bench failover}: kill -9 and SIGTERM one of two {@code serve} processes while questions keep
 * coming, against a broker process; prints per case how long the questions of its partitions waited.
 */
@Command(name = "failover", mixinStandardHelpOptions = true,
    description = {"Failover of the pipeline, measured on real processes: a broker process and two `serve` processes"
        + " in one consumer group answer questions offered at a steady rate; one of them is killed (kill -9) or"
        + " stopped (SIGTERM) part-way. One JSON line per case and build: questions, lost, duplicated, the p50, p99"
        + " and max wait of the questions of its partitions from the kill on, the time to their first answer, and"
        + " the other questions' latency (a stall of the whole group shows there).",
        "Cases: kill-restart (kill -9, restarted on its state directory after --restart-after-s), kill (never"
            + " restarted: the other instance takes over alone), kill-replace (a new instance with an empty state"
            + " directory after --restart-after-s), sigterm, sigterm-rebalance (SIGTERM while a third instance"
            + " joins)."})
final class BenchFailoverCommand implements Callable<Integer> {
  @Mixin
  ConfigOptions config;

  @Option(names = "--classpath", paramLabel = "NAME=CLASSPATH", description = "A build of memreason to run the"
      + " `serve` processes from, e.g. before=/tmp/before/target/memreason.jar:/tmp/before/target/lib/* (repeatable:"
      + " each case runs on each build in turn). Default: this build, named 'this'.")
  Map<String, String> builds = new LinkedHashMap<>();

  @Option(names = "--cases", split = ",", paramLabel = "CASE", description = "Which cases, comma-separated. Default:"
      + " all.")
  List<String> cases;

  @Option(names = "--partitions", defaultValue = "6", description = "Partitions of the questions topic. Default: ${DEFAULT-VALUE}.")
  int partitions;

  @Option(names = "--questions", defaultValue = "200", description = "Questions offered per case at least."
      + " Default: ${DEFAULT-VALUE}.")
  int questions;

  @Option(names = "--rate", defaultValue = "10", description = "Questions offered per second. Default: ${DEFAULT-VALUE}.")
  double rate;

  @Option(names = "--kill-after-s", defaultValue = "5", description = "From the first question to the kill or"
      + " signal (sigterm-rebalance: to the start of the third instance). Default: ${DEFAULT-VALUE}.")
  double killAfterSeconds;

  @Option(names = "--after-s", defaultValue = "20", description = "Questions keep coming this long after the kill or"
      + " signal. Default: ${DEFAULT-VALUE}.")
  double afterSeconds;

  @Option(names = "--restart-after-s", defaultValue = "5", description = "From the kill to the start of the restarted"
      + " or replacing instance. Default: ${DEFAULT-VALUE}.")
  double restartAfterSeconds;

  @Option(names = "--answer-timeout-s", defaultValue = "300", description = "A question not answered this long after"
      + " the last one was offered counts as lost. Default: ${DEFAULT-VALUE}.")
  long answerTimeoutSeconds;

  @Option(names = "--static-membership", description = "Each instance a static group member (group.instance.id = its"
      + " name), as on Kubernetes.")
  boolean staticMembership;

  @Option(names = "--serve-set", paramLabel = "KEY=VALUE", description = "A configuration key for every `serve`"
      + " process, e.g. --serve-set streams.session.timeout.ms=10000. Repeatable.")
  Map<String, String> serveSettings = new LinkedHashMap<>();

  @Option(names = "--java-options", paramLabel = "OPTIONS", defaultValue = "-Xmx1g",
      description = "JVM options of each `serve` process, space-separated. Default: ${DEFAULT-VALUE}.")
  String javaOptions;

  @Option(names = "--work-dir", paramLabel = "DIR", description = "Keep the broker's data, the state directories and"
      + " every process's log here (default: a temporary directory, deleted at the end).")
  Path workDir;

  @Override
  public Integer call() throws Exception {
    MemreasonConfig c = config.load().with(serveSettings);
    List<FailoverCase> chosen = cases == null ? List.of(FailoverCase.values())
        : cases.stream().map(FailoverCase::of).toList();
    Map<String, String> classPaths = builds.isEmpty() ? Map.of("this", System.getProperty("java.class.path")) : builds;
    SampleQuestions samples = SampleQuestions.forModel(c);
    try (TemporaryDirectory temporary = workDir == null ? new TemporaryDirectory("memreason-failover") : null) {
      Path dir = workDir != null ? Files.createDirectories(workDir) : temporary.path();
      FailoverBenchmark.Settings settings = new FailoverBenchmark.Settings(partitions, rate,
          seconds(killAfterSeconds), seconds(afterSeconds), seconds(restartAfterSeconds), Duration.ofSeconds(answerTimeoutSeconds),
          staticMembership, serveSettings, Arrays.stream(javaOptions.trim().split("\\s+")).toList(), dir);
      FailoverBenchmark.run(settings, classPaths, chosen, samples.take(4 * partitions, "warmup-"),
          samples.take(Math.max(1, questions), "q-"), questions, System.out);
    }
    return 0;
  }

  private static Duration seconds(double s) {
    return Duration.ofMillis(Math.round(s * 1000));
  }
}
