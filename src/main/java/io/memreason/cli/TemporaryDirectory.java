package io.memreason.cli;

import io.memreason.config.MemreasonConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** A directory that exists for one command run: the demo's and the benchmark's broker data and Streams state. */
final class TemporaryDirectory implements AutoCloseable {
  private final Path path;

  /** In the OS temp directory. */
  TemporaryDirectory(String prefix) {
    try {
      path = Files.createTempDirectory(prefix);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory: " + e.getMessage(), e);
    }
  }

  private TemporaryDirectory(Path parent, String prefix) {
    try {
      path = Files.createTempDirectory(Files.createDirectories(parent), prefix);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a directory in " + parent + ": " + e.getMessage(), e);
    }
  }

  /**
   * Beside the configured {@code streams.state.dir} (by default in ~/.local/state/memreason), for a run that keeps
   * Streams state: Kafka Streams warns about a state directory in the OS temp directory, which the OS may clear.
   */
  static TemporaryDirectory besideStreamsState(MemreasonConfig config, String prefix) {
    Path stateDir = Path.of(config.kafka().streamsProperties().get("state.dir")).toAbsolutePath();
    return new TemporaryDirectory(stateDir.getParent(), prefix);
  }

  Path path() {
    return path;
  }

  @Override
  public void close() throws IOException {
    try (Stream<Path> files = Files.walk(path)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
