package io.memreason.feedback;

import io.memreason.config.MemreasonConfig;
import io.memreason.pipeline.InferencePipeline;
import io.memreason.registry.CanaryRouting;
import io.memreason.registry.LlmVersionLoader;
import io.memreason.registry.ModelRegistry;
import io.memreason.registry.ModelSource;
import io.memreason.registry.ServingModel;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The serving side of {@code memreason serve} with a registry (a {@link ServingModel} following the model-versions
 * topic, behind the {@link InferencePipeline}) in a process of its own, so that a test can kill it without warning
 * ({@code kill -9}: no close, no commit, no leaving the group) and start it again as the same instance: same state
 * directory and static group member id. As a child, {@code ServingProcess SETTINGS MODEL} serves with the settings
 * of the properties file SETTINGS, the model folder MODEL before any promotion, and reports on standard output
 * {@code RUNNING} once the pipeline runs, then every change of its versions ({@code VERSIONS v1 canary v2 20}: the
 * serving version, the canary or {@code none}, and the canary's share in per cent).
 */
final class ServingProcess implements AutoCloseable {
  private static final String VERSIONS = "VERSIONS ";

  private final Process process;
  private volatile boolean running;
  private volatile String versions = "";

  private ServingProcess(Process process) {
    this.process = process;
    Thread reader = new Thread(() -> {
      try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String line = out.readLine(); line != null; line = out.readLine()) {
          if (line.equals("RUNNING")) {
            running = true;
          } else if (line.startsWith(VERSIONS)) {
            versions = line.substring(VERSIONS.length());
          }
        }
      } catch (IOException killed) {
        // the process is gone: nothing more to read
      }
    }, "serving-process-output");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts the child with {@code config} (its group member id fixed, so that a restart is the same instance) and
   * {@code model}; its log goes to {@code log}.
   */
  static ServingProcess start(MemreasonConfig config, Path model, Path log) throws IOException {
    Path settings = log.resolveSibling(log.getFileName() + ".properties");
    Properties p = new Properties();
    p.putAll(config.settings().prefixed(""));
    p.put("streams.group.instance.id", config.kafka().applicationId());
    Files.createDirectories(log.getParent());
    try (Writer w = Files.newBufferedWriter(settings)) {
      p.store(w, "ServingProcess");
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ServingProcess(new ProcessBuilder(java, "-Xmx1g", "-cp", System.getProperty("java.class.path"),
        ServingProcess.class.getName(), settings.toString(), model.toString())
        .redirectError(log.toFile())
        .start());
  }

  /** Waits until the pipeline runs and serves {@code serving} with {@code canary} (or "none") at that share. */
  void awaitVersions(String serving, String canary, double share, Duration timeout) throws InterruptedException {
    String wanted = versionsLine(serving, canary, share);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!running || !versions.equals(wanted)) {
      if (!process.isAlive()) {
        throw new AssertionError("the serving process ended (exit " + process.exitValue() + ") before serving "
            + wanted + "; see its log");
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for the serving process to serve " + wanted + " (running "
            + running + ", versions " + versions + ")");
      }
      Thread.sleep(20);
    }
  }

  /** kill -9. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor();
  }

  @Override
  public void close() throws InterruptedException {
    kill();
  }

  private static String versionsLine(String serving, String canary, double share) {
    return String.format(Locale.ROOT, "%s canary %s %.0f", serving, canary, share * 100);
  }

  public static void main(String[] args) throws Exception {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(Path.of(args[0]))) {
      p.load(r);
    }
    Map<String, String> keys = new HashMap<>();
    p.forEach((k, v) -> keys.put((String) k, (String) v));
    MemreasonConfig config = MemreasonConfig.defaults().with(keys);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    ModelRegistry registry = new ModelRegistry(config.registry().dir().orElseThrow(),
        config.registry().keepVersions(), Clock.systemUTC());
    ServingModel serving = ServingModel.start(config, registry, new LlmVersionLoader(config.engine(), meters),
        new ModelSource("bootstrap", Path.of(args[1]), Optional.empty()), meters);
    InferencePipeline pipeline = InferencePipeline.start(config, serving, meters);
    pipeline.awaitRunning(Duration.ofMinutes(3));
    System.out.println("RUNNING");
    String reported = "";
    while (true) {
      Optional<CanaryRouting> canary = serving.versions().canary();
      String now = VERSIONS + versionsLine(serving.modelVersion(), serving.versions().canaryVersion().orElse("none"),
          canary.map(CanaryRouting::share).orElse(0.0));
      if (!now.equals(reported)) {
        System.out.println(now);
        reported = now;
      }
      Thread.sleep(20);
    }
  }
}
