package io.memreason.training;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The checkpoints of a run in its output folder: {@code checkpoint-<step>/} folders, each written under a partial
 * name and renamed when complete, and the links {@code last} (what {@code --resume} continues) and {@code best}
 * (the best-evaluated checkpoint, what to serve), each replaced by an atomic rename. A crash at any point leaves
 * {@code last} and {@code best} pointing at complete checkpoints; leftovers are removed by {@link #prune}.
 */
public final class CheckpointStore {
  public static final String LAST = "last";
  public static final String BEST = "best";
  private static final String PREFIX = "checkpoint-";
  private static final String PARTIAL = ".partial-";

  private final Path out;

  public CheckpointStore(Path out) {
    this.out = out;
  }

  public Path folder() {
    return out;
  }

  /** An empty folder to write the checkpoint of {@code step} into. */
  public Path begin(int step) {
    Path partial = out.resolve(PARTIAL + PREFIX + step);
    try {
      deleteTree(partial);
      return Files.createDirectories(partial);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + partial + ": " + e.getMessage(), e);
    }
  }

  /** Publishes a complete partial folder as {@code checkpoint-<step>} and returns it. */
  public Path commit(Path partial, int step) {
    Path done = out.resolve(PREFIX + step);
    try {
      // A checkpoint of this step left by an earlier, interrupted run that never linked it.
      deleteTree(done);
      return Files.move(partial, done, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot publish checkpoint " + done + ": " + e.getMessage(), e);
    }
  }

  /** Points link {@code name} ({@link #LAST} or {@link #BEST}) at a checkpoint, atomically. */
  public void link(String name, Path checkpoint) {
    Path temporary = out.resolve("." + name + ".link");
    try {
      Files.deleteIfExists(temporary);
      Files.createSymbolicLink(temporary, checkpoint.getFileName());
      Files.move(temporary, out.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot point " + out.resolve(name) + " at " + checkpoint + ": " + e.getMessage(), e);
    }
  }

  /** The checkpoint a link points at, if the link exists. */
  public Optional<Path> resolve(String name) {
    Path link = out.resolve(name);
    if (!Files.isDirectory(link)) {
      return Optional.empty();
    }
    try {
      return Optional.of(link.toRealPath());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot resolve " + link + ": " + e.getMessage(), e);
    }
  }

  /** Deletes every checkpoint that neither link points at, and partial folders. */
  public void prune() {
    Set<Path> kept = new HashSet<>();
    resolve(LAST).ifPresent(kept::add);
    resolve(BEST).ifPresent(kept::add);
    try (Stream<Path> entries = Files.list(out)) {
      for (Path p : entries.toList()) {
        String name = p.getFileName().toString();
        boolean checkpoint = name.startsWith(PREFIX) || name.startsWith(PARTIAL);
        if (checkpoint && !Files.isSymbolicLink(p) && !kept.contains(p.toRealPath())) {
          deleteTree(p);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prune checkpoints in " + out + ": " + e.getMessage(), e);
    }
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      List<Path> paths = walk.sorted(Comparator.reverseOrder()).toList();
      for (Path p : paths) {
        Files.delete(p);
      }
    }
  }
}
