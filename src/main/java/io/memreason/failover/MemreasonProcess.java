package io.memreason.failover;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A memreason command ({@code broker}, {@code serve}) in a JVM of its own, started from a given class path, its
 * output in a log file: what the failover benchmark kills, stops and restarts.
 */
final class MemreasonProcess implements AutoCloseable {
  private static final Duration LOG_POLL = Duration.ofMillis(50);

  private final String name;
  private final Process process;
  private final Path log;
  private volatile long signalledNanos;
  private volatile long exitedNanos;
  private final CompletableFuture<Void> exitRecorded;

  private MemreasonProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.exitRecorded = process.onExit().thenRun(() -> exitedNanos = System.nanoTime());
  }

  /** Starts {@code java -cp classPath io.memreason.cli.Main args...} with its output (both streams) in {@code log}. */
  static MemreasonProcess start(String name, String classPath, List<String> jvmOptions, List<String> args, Path log) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", classPath, "io.memreason.cli.Main"));
    command.addAll(args);
    try {
      Files.createDirectories(log.getParent());
      Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      return new MemreasonProcess(name, p, log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + e.getMessage(), e);
    }
  }

  String name() {
    return name;
  }

  Path log() {
    return log;
  }

  boolean alive() {
    return process.isAlive();
  }

  /** Waits until a line of the log matches; fails when the process ends first or the time is up. */
  Matcher awaitLine(Pattern pattern, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<Matcher> found = lines().stream().map(pattern::matcher).filter(Matcher::find).findFirst();
      if (found.isPresent()) {
        return found.get();
      }
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited with " + process.exitValue() + " before logging /" + pattern
            + "/: see " + log);
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(name + " did not log /" + pattern + "/ within " + timeout.toSeconds()
            + " s: see " + log);
      }
      Thread.sleep(LOG_POLL.toMillis());
    }
  }

  /** Every line logged so far. */
  List<String> lines() {
    try {
      return Files.readAllLines(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return List.of();
    }
  }

  /** kill -9: no shutdown hook runs, nothing is closed or committed. */
  void kill() {
    signalledNanos = System.nanoTime();
    process.destroyForcibly();
  }

  /** SIGTERM: the process's shutdown hook closes what it runs. */
  void terminate() {
    signalledNanos = System.nanoTime();
    process.destroy();
  }

  /** Waits for the process to end; its exit code, or empty when it is still running after {@code timeout}. */
  Optional<Integer> awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      return Optional.empty();
    }
    exitRecorded.join();
    return Optional.of(process.exitValue());
  }

  /** From the last signal to the end of the process, once it has ended. */
  Optional<Duration> exitAfterSignal() {
    long exited = exitedNanos;
    return exited == 0 || signalledNanos == 0 ? Optional.empty() : Optional.of(Duration.ofNanos(exited - signalledNanos));
  }

  /** Ends the process if it still runs (SIGTERM, then kill -9 after a grace). */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(70, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }
}
