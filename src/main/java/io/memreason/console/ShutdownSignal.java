package io.memreason.console;

import io.memreason.config.ShutdownBudget;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C (or SIGTERM) for long-running commands: {@link #await()} returns when it comes, and the JVM waits
 * until this signal is closed, i.e. until the command has closed what it opened (declare the signal first in
 * try-with-resources, so it is closed last), at most {@link ShutdownBudget#GRACE}.
 */
public final class ShutdownSignal implements AutoCloseable {

  private final CountDownLatch requested = new CountDownLatch(1);
  private final CountDownLatch closed = new CountDownLatch(1);
  private final Thread hook;

  public ShutdownSignal() {
    hook = new Thread(() -> {
      requested.countDown();
      try {
        closed.await(ShutdownBudget.GRACE.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "memreason-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  public void await() throws InterruptedException {
    requested.await();
  }

  public boolean requested() {
    return requested.getCount() == 0;
  }

  @Override
  public void close() {
    closed.countDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // The hook is running: it returns now that closed is counted down.
    }
  }
}
