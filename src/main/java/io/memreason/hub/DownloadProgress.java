package io.memreason.hub;

import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a download reports how far it got: a progress bar with speed and time left on a terminal, or log lines (at
 * most one per interval, plus one per file) when output goes to a file or CI. Bytes may arrive on any thread.
 */
public interface DownloadProgress extends AutoCloseable {

  /**
   * A download of {@code totalBytes} starts, {@code doneBytes} of them already there (earlier, interrupted
   * attempts).
   *
   * @param label what is downloaded, e.g. {@code hf:ORG/NAME@main}
   */
  void start(String label, long totalBytes, long doneBytes);

  /** The next file, of {@code bytes} bytes. */
  void file(String name, long bytes);

  /** Bytes written (negative: bytes of an interrupted attempt thrown away). */
  void add(long bytes);

  @Override
  void close();

  /**
   * A bar on stderr when this is an interactive terminal (a console and not CI), otherwise log lines every
   * {@code logInterval}.
   */
  static DownloadProgress forConsole(Duration logInterval) {
    boolean terminal = System.console() != null && System.getenv("CI") == null;
    return terminal ? new Bar() : new LogLines(logInterval);
  }

  /** No report at all. */
  static DownloadProgress none() {
    return new DownloadProgress() {
      @Override
      public void start(String label, long totalBytes, long doneBytes) {}

      @Override
      public void file(String name, long bytes) {}

      @Override
      public void add(long bytes) {}

      @Override
      public void close() {}
    };
  }

  /** Plain log lines, for files and CI. */
  static DownloadProgress logLines(Duration interval) {
    return new LogLines(interval);
  }

  /** The terminal bar of {@code me.tongfei:progressbar} on stderr, in megabytes, redrawn in place. */
  final class Bar implements DownloadProgress {
    private ProgressBar bar;

    @Override
    public void start(String label, long totalBytes, long doneBytes) {
      bar = new ProgressBarBuilder().setTaskName(label).setInitialMax(totalBytes).setUnit(" MB", 1_000_000)
          .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).setUpdateIntervalMillis(500).showSpeed()
          .startsFrom(doneBytes, Duration.ZERO).build();
    }

    @Override
    public void file(String name, long bytes) {
      bar.setExtraMessage(" " + name);
    }

    @Override
    public void add(long bytes) {
      bar.stepBy(bytes);
    }

    @Override
    public void close() {
      if (bar != null) {
        bar.close();
      }
    }
  }

  /** A line per file and one per interval with the bytes done, the speed and the time left. */
  final class LogLines implements DownloadProgress {
    private static final Logger LOG = LoggerFactory.getLogger(DownloadProgress.class);
    private final long intervalNanos;
    private String label;
    private long total;
    private long done;
    private long firstDone;
    private long started;
    private long lastLine;

    LogLines(Duration interval) {
      this.intervalNanos = interval.toNanos();
    }

    @Override
    public synchronized void start(String label, long totalBytes, long doneBytes) {
      this.label = label;
      this.total = totalBytes;
      this.done = doneBytes;
      this.firstDone = doneBytes;
      this.started = System.nanoTime();
      this.lastLine = started;
      LOG.info("{}: downloading {}{}", label, megabytes(totalBytes),
          doneBytes > 0 ? ", resuming after " + megabytes(doneBytes) : "");
    }

    @Override
    public synchronized void file(String name, long bytes) {
      LOG.info("{}: {} ({})", label, name, megabytes(bytes));
    }

    @Override
    public synchronized void add(long bytes) {
      done += bytes;
      long now = System.nanoTime();
      if (now - lastLine < intervalNanos) {
        return;
      }
      lastLine = now;
      double perSecond = (done - firstDone) / Math.max(1e-9, (now - started) / 1e9);
      long eta = perSecond > 0 ? Math.round((total - done) / perSecond) : 0;
      LOG.info(String.format(Locale.ROOT, "%s: %s of %s (%.0f%%), %.1f MB/s, eta %dm%02ds", label, megabytes(done),
          megabytes(total), total > 0 ? 100.0 * done / total : 100.0, perSecond / 1e6, eta / 60, eta % 60));
    }

    @Override
    public synchronized void close() {
      if (label != null) {
        double seconds = (System.nanoTime() - started) / 1e9;
        LOG.info(String.format(Locale.ROOT, "%s: %s in %.1f s", label, megabytes(done - firstDone), seconds));
      }
    }

    private static String megabytes(long bytes) {
      return bytes < 100_000 ? String.format(Locale.ROOT, "%.1f kB", bytes / 1e3)
          : String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
  }
}
