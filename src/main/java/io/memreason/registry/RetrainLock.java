package io.memreason.registry;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Never two retraining jobs at once, across processes and machines that share the registry: a lock file created
 * atomically ({@code O_EXCL}), naming its holder, whose modification time the holder refreshes while it works. A
 * holder that dies stops refreshing; once the file is older than {@code staleAfter} the next job takes the lock over,
 * so a crashed job never blocks retraining for good. Taking over renames the stale file away first, which only one
 * contender can do, and checks that what it renamed is the stale lock it saw.
 */
public final class RetrainLock {
  private static final Logger log = LoggerFactory.getLogger(RetrainLock.class);
  private static final Gson GSON = new Gson();

  /** What the lock file says. */
  record Holder(String id, String owner, String acquiredAt) {}

  private final Path file;
  private final Duration staleAfter;
  private final Clock clock;

  RetrainLock(Path file, Duration staleAfter, Clock clock) {
    this.file = file;
    this.staleAfter = staleAfter;
    this.clock = clock;
  }

  /** The lock while it is held; closing it releases it. */
  public final class Held implements AutoCloseable {
    private final Holder holder;
    private final ScheduledExecutorService heartbeat;

    private Held(Holder holder) {
      this.holder = holder;
      this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "memreason-retrain-lock");
        t.setDaemon(true);
        return t;
      });
      long period = Math.max(1, staleAfter.toMillis() / 4);
      heartbeat.scheduleAtFixedRate(this::refresh, period, period, TimeUnit.MILLISECONDS);
    }

    private void refresh() {
      try {
        if (readHolder().map(h -> h.id().equals(holder.id())).orElse(false)) {
          Files.setLastModifiedTime(file, FileTime.from(clock.instant()));
        } else {
          log.error("the retrain lock {} is no longer held by this job ({}): another job took it over", file, holder.owner());
        }
      } catch (IOException | UncheckedIOException e) {
        log.warn("cannot refresh the retrain lock {}: {}", file, e.getMessage());
      }
    }

    @Override
    public void close() {
      heartbeat.shutdownNow();
      try {
        if (readHolder().map(h -> h.id().equals(holder.id())).orElse(false)) {
          Files.deleteIfExists(file);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot release the retrain lock " + file + ": " + e.getMessage(), e);
      }
    }
  }

  /**
   * Takes the lock if nobody holds it (or its holder stopped refreshing it).
   *
   * @param owner who takes it, for messages (e.g. host and process id)
   * @return empty when another job holds it
   */
  public Optional<Held> tryAcquire(String owner) {
    Holder me = new Holder(UUID.randomUUID().toString(), owner, clock.instant().toString());
    // A second attempt only after a stale lock was removed.
    for (int attempt = 0; attempt < 2; attempt++) {
      if (create(me)) {
        return Optional.of(new Held(me));
      }
      if (!takeOverIfStale()) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  /** Creates the lock file naming {@code me}; false when it exists. */
  private boolean create(Holder me) {
    try {
      Files.write(file, GSON.toJson(me).getBytes(StandardCharsets.UTF_8), StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE);
      Files.setLastModifiedTime(file, FileTime.from(clock.instant()));
      return true;
    } catch (FileAlreadyExistsException held) {
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the retrain lock " + file + ": " + e.getMessage(), e);
    }
  }

  /** Who holds the lock and since when, for messages; empty when it is free. */
  public Optional<String> describeHolder() {
    return readHolder().map(h -> h.owner() + " (since " + h.acquiredAt() + ")");
  }

  /** Removes a lock whose holder stopped refreshing it; true when the lock is free now. */
  private boolean takeOverIfStale() {
    try {
      return removeIfStale();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot take over the stale retrain lock " + file + ": " + e.getMessage(), e);
    }
  }

  private boolean removeIfStale() throws IOException {
    Optional<Holder> seen = readHolder();
    FileTime refreshed;
    try {
      refreshed = Files.getLastModifiedTime(file);
    } catch (NoSuchFileException released) {
      return true;
    }
    Instant staleSince = refreshed.toInstant().plus(staleAfter);
    if (clock.instant().isBefore(staleSince)) {
      return false;
    }
    Path aside = file.resolveSibling(file.getFileName() + ".stale-" + UUID.randomUUID());
    try {
      Files.move(file, aside, StandardCopyOption.ATOMIC_MOVE);
    } catch (NoSuchFileException takenByOther) {
      return false;
    }
    Optional<Holder> moved = read(aside);
    if (!moved.equals(seen)) {
      // Between looking and renaming, someone else took the lock over and wrote a fresh one: give it back.
      try {
        Files.move(aside, file, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException stillContended) {
        Files.deleteIfExists(aside);
      }
      return false;
    }
    Files.deleteIfExists(aside);
    log.warn("took over the retrain lock {} from {}: not refreshed since {}", file,
        seen.map(Holder::owner).orElse("an unreadable holder"), refreshed);
    return true;
  }

  private Optional<Holder> readHolder() {
    return read(file);
  }

  private static Optional<Holder> read(Path path) {
    try {
      return Optional.ofNullable(GSON.fromJson(Files.readString(path, StandardCharsets.UTF_8), Holder.class));
    } catch (NoSuchFileException gone) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the retrain lock " + path + ": " + e.getMessage(), e);
    } catch (JsonParseException e) {
      // A holder that died while writing the file: treat as unreadable (stale once old enough).
      return Optional.empty();
    }
  }
}
