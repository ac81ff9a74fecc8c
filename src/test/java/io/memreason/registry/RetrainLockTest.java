package io.memreason.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetrainLockTest {
  /** Long enough that the holder's own refreshes never run during a test: the test moves the clock instead. */
  private static final Duration STALE = Duration.ofHours(1);

  @TempDir
  Path dir;

  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

  private RetrainLock lock() {
    return new ModelRegistry(dir, 3, clock).retrainLock(STALE);
  }

  @Test
  void onlyOneJobHoldsTheLockAtATime() {
    Optional<RetrainLock.Held> first = lock().tryAcquire("job-a");
    assertTrue(first.isPresent());
    assertEquals(Optional.empty(), lock().tryAcquire("job-b"));
    assertTrue(lock().describeHolder().orElseThrow().startsWith("job-a"));

    first.get().close();

    assertEquals(Optional.empty(), lock().describeHolder());
    try (RetrainLock.Held second = lock().tryAcquire("job-b").orElseThrow()) {
      assertTrue(lock().describeHolder().orElseThrow().startsWith("job-b"));
    }
  }

  @Test
  void aLockItsHolderStoppedRefreshingIsTakenOver() {
    RetrainLock.Held dead = lock().tryAcquire("job-that-died").orElseThrow();
    clock.advance(STALE.minusMinutes(1));
    assertEquals(Optional.empty(), lock().tryAcquire("job-b"), "not stale yet");

    clock.advance(Duration.ofMinutes(2));
    RetrainLock.Held taken = lock().tryAcquire("job-b").orElseThrow();
    assertTrue(lock().describeHolder().orElseThrow().startsWith("job-b"));

    dead.close();
    assertTrue(lock().describeHolder().orElseThrow().startsWith("job-b"),
        "a job that lost its lock does not release the new holder's");
    taken.close();
  }

  @Test
  void aLockFileWithoutAReadableHolderIsStaleOnlyOnceOld() throws IOException {
    Files.writeString(dir.resolve("retrain.lock"), "");
    Files.setLastModifiedTime(dir.resolve("retrain.lock"), java.nio.file.attribute.FileTime.from(clock.instant()));
    assertEquals(Optional.empty(), lock().tryAcquire("job-b"), "a holder may be writing it right now");

    clock.advance(STALE.plusMinutes(1));
    try (RetrainLock.Held held = lock().tryAcquire("job-b").orElseThrow()) {
      assertFalse(lock().tryAcquire("job-c").isPresent());
    }
  }
}
