package io.memreason.llm.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The peak resident memory (RSS) of this process over a span of time, from Linux's {@code /proc/self/status}.
 * The kernel's own high-water mark (VmHWM) is reset at the start by writing 5 to {@code /proc/self/clear_refs};
 * where that is not allowed, VmRSS is sampled every 2 ms on a thread of its own instead (which can miss a peak
 * shorter than that). Figures are -1 where /proc does not exist.
 */
public final class PeakResidentMemory implements AutoCloseable {
  private static final Path STATUS = Path.of("/proc/self/status");
  private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

  private final long startKb;
  private final boolean kernelMark;
  private final AtomicLong sampledPeakKb = new AtomicLong();
  private final Thread sampler;
  private volatile boolean running = true;

  private PeakResidentMemory() {
    kernelMark = resetHighWaterMark();
    // After the reset the mark is the resident memory at this instant: the start, and the least the peak can be.
    startKb = statusKb(kernelMark ? "VmHWM:" : "VmRSS:");
    sampledPeakKb.set(startKb);
    if (kernelMark) {
      sampler = null;
    } else {
      sampler = new Thread(this::sample, "rss-sampler");
      sampler.setDaemon(true);
      sampler.start();
    }
  }

  /** Starts measuring now. */
  public static PeakResidentMemory start() {
    return new PeakResidentMemory();
  }

  /** VmHWM as it stands: the process's peak resident memory since it started or the last reset, in MB. */
  public static double peakSoFarMegabytes() {
    return megabytes(statusKb("VmHWM:"));
  }

  /** Resident memory when the measurement started, in MB. */
  public double startMegabytes() {
    return megabytes(startKb);
  }

  /**
   * The highest resident memory since the start, in MB. Never below the start: the kernel keeps its resident counts per
   * CPU and folds them in lazily, so a mark read later can come out a few hundred KiB under the one read at the start.
   */
  public double peakMegabytes() {
    long mark = kernelMark ? statusKb("VmHWM:") : Math.max(sampledPeakKb.get(), statusKb("VmRSS:"));
    return megabytes(mark < 0 ? mark : Math.max(startKb, mark));
  }

  /** How the peak is measured, for the report. */
  public String method() {
    return kernelMark ? "VmHWM of /proc/self/status, reset through /proc/self/clear_refs at the start"
        : "VmRSS of /proc/self/status sampled every 2 ms";
  }

  @Override
  public void close() {
    running = false;
  }

  private void sample() {
    while (running) {
      sampledPeakKb.accumulateAndGet(statusKb("VmRSS:"), Math::max);
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private static boolean resetHighWaterMark() {
    try {
      Files.writeString(CLEAR_REFS, "5");
      return true;
    } catch (IOException | SecurityException e) {
      return false;
    }
  }

  private static long statusKb(String key) {
    try {
      List<String> lines = Files.readAllLines(STATUS);
      for (String l : lines) {
        if (l.startsWith(key)) {
          return Long.parseLong(l.replaceAll("\\D", ""));
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  private static double megabytes(long kb) {
    return kb < 0 ? -1 : kb / 1024.0;
  }
}
