package io.memreason.training;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a training run reports its progress: a progress bar with loss, tokens/s and ETA on a terminal, or plain
 * log lines (at most one per interval) when output goes to a file or CI.
 */
public interface TrainingProgress extends AutoCloseable {

  /**
   * A run of {@code totalSteps} optimizer steps starts (or resumes with {@code doneSteps} already done).
   *
   * @param task what is being trained, shown in front of the bar or lines
   */
  void start(String task, int totalSteps, int doneSteps);

  /** Optimizer step {@code done} (1-based) finished. */
  void step(int done, double loss, double tokensPerSecond, float learningRate);

  /** A message on its own line: evaluation results, checkpoints. */
  void note(String message);

  @Override
  void close();

  /**
   * A bar when {@code out} is an interactive terminal (a console and not CI), otherwise log lines every
   * {@code logInterval}.
   */
  static TrainingProgress forConsole(PrintStream out, Duration logInterval) {
    boolean terminal = System.console() != null && System.getenv("CI") == null;
    return terminal ? new Bar(out) : new LogLines(logInterval);
  }

  /** Plain log lines, for files and CI. */
  static TrainingProgress logLines(Duration interval) {
    return new LogLines(interval);
  }

  /** The terminal bar of {@code me.tongfei:progressbar}: it redraws in place and estimates the remaining time. */
  final class Bar implements TrainingProgress {
    private final PrintStream out;
    private ProgressBar bar;

    Bar(PrintStream out) {
      this.out = out;
    }

    @Override
    public void start(String task, int totalSteps, int doneSteps) {
      bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(totalSteps).setUnit(" steps", 1)
          .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).setUpdateIntervalMillis(500)
          .startsFrom(doneSteps, Duration.ZERO).build();
    }

    @Override
    public void step(int done, double loss, double tokensPerSecond, float learningRate) {
      bar.stepTo(done);
      bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f · %.0f tok/s · lr %.2e", loss, tokensPerSecond,
          learningRate));
    }

    @Override
    public void note(String message) {
      // Clear the bar's line; it redraws itself below the message.
      out.print("\r\033[2K");
      out.println(message);
    }

    @Override
    public void close() {
      if (bar != null) {
        bar.close();
      }
    }
  }

  /** One log line per interval (and the last step), with the same figures as the bar. */
  final class LogLines implements TrainingProgress {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingProgress.class);
    private final long intervalNanos;
    private String task;
    private int total;
    private int firstStep;
    private long started;
    private long lastLine;

    LogLines(Duration interval) {
      this.intervalNanos = interval.toNanos();
    }

    @Override
    public void start(String task, int totalSteps, int doneSteps) {
      this.task = task;
      this.total = totalSteps;
      this.firstStep = doneSteps;
      this.started = System.nanoTime();
      this.lastLine = started;
      LOG.info("{}: {} steps{}", task, totalSteps, doneSteps > 0 ? ", resuming after step " + doneSteps : "");
    }

    @Override
    public void step(int done, double loss, double tokensPerSecond, float learningRate) {
      long now = System.nanoTime();
      if (now - lastLine < intervalNanos && done < total) {
        return;
      }
      lastLine = now;
      double perStep = (now - started) / 1e9 / Math.max(1, done - firstStep);
      long eta = Math.round(perStep * (total - done));
      LOG.info(String.format(Locale.ROOT, "%s: step %d/%d (%.0f%%) loss %.4f, %.0f tok/s, lr %.2e, eta %dm%02ds",
          task, done, total, 100.0 * done / total, loss, tokensPerSecond, learningRate, eta / 60, eta % 60));
    }

    @Override
    public void note(String message) {
      LOG.info("{}: {}", task, message);
    }

    @Override
    public void close() {
      // Nothing held.
    }
  }
}
