package io.memreason.web;

import io.javalin.http.sse.SseClient;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pages following {@code /api/stream} (server-sent events). Each page gets its replay first and then every
 * event published after it subscribed, in order, sent by a thread of its own: a slow page never holds up the others
 * or the topic follower. A page that falls {@value #BACKLOG} events behind is disconnected; its browser reconnects
 * and gets a fresh replay.
 */
final class EventStream implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EventStream.class);
  static final int BACKLOG = 2000;

  /** One server-sent event: its name and its JSON data. */
  record Event(String name, String json) {}

  private final Set<Page> pages = ConcurrentHashMap.newKeySet();
  private boolean closed;
  private final AtomicInteger pageNumbers = new AtomicInteger();

  /** A connected page and the thread that writes to it. */
  private final class Page {
    final SseClient client;
    final ThreadPoolExecutor sender;
    final Runnable onClose;

    Page(SseClient client, Runnable onClose) {
      this.client = client;
      this.onClose = onClose;
      int number = pageNumbers.incrementAndGet();
      this.sender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(BACKLOG), r -> {
        Thread t = new Thread(r, "live-page-" + number);
        t.setDaemon(true);
        return t;
      });
    }

    void send(Event event) {
      try {
        sender.execute(() -> {
          if (!client.terminated()) {
            client.sendEvent(event.name(), event.json());
          }
        });
      } catch (RejectedExecutionException e) {
        if (!sender.isShutdown()) {
          log.info("a live page fell {} events behind: disconnecting it (it reconnects with a fresh replay)", BACKLOG);
        }
        disconnect();
      }
    }

    /**
     * Ending the request lets Javalin finish the response on the calling thread; that thread may hold the live
     * state's lock, so the ending happens elsewhere.
     */
    void disconnect() {
      if (pages.remove(this)) {
        sender.shutdownNow();
        onClose.run();
        CompletableFuture.runAsync(this::end);
      }
    }

    /**
     * Javalin (7.2) loops forever when a stream is ended after its server stopped, so streams are ended only while
     * this stream is open, and {@link EventStream#close} (before the server stops) ends them all.
     */
    void end() {
      synchronized (EventStream.this) {
        if (!closed && !client.terminated()) {
          client.close();
        }
      }
    }
  }

  /**
   * Adds a page and queues its replay. Callers serialize this with {@link #publish}, so a page sees each change
   * exactly once: either in its replay or as an event. How many pages may be open is the caller's concern
   * ({@link Quotas#openStream}).
   *
   * @param onClose runs once when the page is disconnected, however that happens
   */
  synchronized void subscribe(SseClient client, List<Event> replay, Runnable onClose) {
    if (closed) {
      onClose.run();
      return;
    }
    Page page = new Page(client, onClose);
    pages.add(page);
    client.onClose(page::disconnect);
    replay.forEach(page::send);
  }

  void publish(Event event) {
    pages.forEach(p -> p.send(event));
  }

  /** Ends every page's stream; call it before the server stops. */
  @Override
  public synchronized void close() {
    for (Page page : pages) {
      pages.remove(page);
      page.sender.shutdownNow();
      page.onClose.run();
      page.end();
    }
    closed = true;
  }
}
