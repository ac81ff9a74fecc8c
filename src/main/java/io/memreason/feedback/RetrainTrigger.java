package io.memreason.feedback;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retraining inside a serving process ({@code retrain.trigger=in-process}): a thread of its own asks the
 * {@link RetrainJob} every {@code checkEvery} whether a run is due ({@link RetrainJob.When#IF_DUE}: it counts only the
 * labels since the last run) and, when it is, runs it right there, so the stream never waits for training. The job's
 * lock keeps it single-flight with any other process retraining on the same registry.
 */
public final class RetrainTrigger implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RetrainTrigger.class);

  private final RetrainJob job;
  private final Duration checkEvery;
  private final Consumer<RetrainJob.Outcome> onRun;
  private final CountDownLatch stop = new CountDownLatch(1);
  private final Thread thread;

  /**
   * @param job the job to run, which the trigger owns and closes
   * @param onRun told of every run that did something (trained, failed, or found the lock taken)
   */
  public RetrainTrigger(RetrainJob job, Duration checkEvery, Consumer<RetrainJob.Outcome> onRun) {
    this.job = job;
    this.checkEvery = checkEvery;
    this.onRun = onRun;
    this.thread = new Thread(this::loop, "memreason-retrain-trigger");
    thread.setDaemon(true);
  }

  public RetrainTrigger start() {
    thread.start();
    return this;
  }

  private void loop() {
    try {
      while (!stop.await(checkEvery.toMillis(), TimeUnit.MILLISECONDS)) {
        try {
          RetrainJob.Outcome outcome = job.run(RetrainJob.When.IF_DUE);
          if (outcome.result() != RetrainJob.Result.NOTHING_TO_DO) {
            onRun.accept(outcome);
          }
        } catch (RuntimeException e) {
          // Kafka or the registry may be briefly unreachable: the next check tries again.
          log.error("retraining check failed: {}", e.getMessage(), e);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Stops checking and closes the job; a run in progress is interrupted (its staged files are discarded, the serving
   * version stays).
   */
  @Override
  public void close() {
    stop.countDown();
    thread.interrupt();
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      job.close();
    }
  }
}
