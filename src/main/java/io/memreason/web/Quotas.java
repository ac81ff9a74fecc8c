package io.memreason.web;

import io.memreason.config.MemreasonConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The HTTP server's quotas ({@code web.*} limits), kept per caller name: questions per minute and questions asked but
 * not answered yet, labels per minute, open live streams per caller and in all. A refusal is a 429 with
 * {@code Retry-After}, counted in {@code memreason_web_quota_refusals_total{quota}}; it touches nobody else's quota.
 */
final class Quotas {
  /** When an outstanding question is forgotten although no answer was seen (its answer may have been missed). */
  private static final long OUTSTANDING_MARGIN_MS = 60_000;
  /** Retry-After when the outstanding questions are what holds a caller back: answers come within seconds. */
  static final long OUTSTANDING_RETRY_SECONDS = 5;
  static final long STREAMS_RETRY_SECONDS = 10;

  private final MemreasonConfig.Web.Limits limits;
  private final long outstandingExpiryMs;
  private final LongSupplier millis;
  private final Map<String, Bucket> asks = new HashMap<>();
  private final Map<String, Bucket> labels = new HashMap<>();
  /** Question id → (caller, when asked), oldest first. */
  private final LinkedHashMap<String, Asked> outstanding = new LinkedHashMap<>();
  private final Map<String, Integer> outstandingPerCaller = new HashMap<>();
  private final Map<String, Integer> streamsPerCaller = new HashMap<>();
  private int streams;
  private final Counter askRate;
  private final Counter askOutstanding;
  private final Counter labelRate;
  private final Counter streamLimit;

  private record Asked(String caller, long atMs) {}

  /** A token bucket: a minute's worth of requests at once at most, refilled evenly. */
  private static final class Bucket {
    final double perMinute;
    double available;
    long updatedMs;

    Bucket(int perMinute, long nowMs) {
      this.perMinute = perMinute;
      this.available = perMinute;
      this.updatedMs = nowMs;
    }

    /** 0 when one was taken; otherwise the milliseconds until one is available. */
    long take(long nowMs) {
      available = Math.min(perMinute, available + (nowMs - updatedMs) * perMinute / 60_000.0);
      updatedMs = nowMs;
      if (available >= 1) {
        available -= 1;
        return 0;
      }
      return (long) Math.ceil((1 - available) * 60_000.0 / perMinute);
    }
  }

  /** An open live stream; closing it frees its place. */
  interface StreamSlot extends Runnable {}

  Quotas(MemreasonConfig.Web.Limits limits, long answerTimeoutMs, MeterRegistry registry, LongSupplier millis) {
    this.limits = limits;
    this.outstandingExpiryMs = answerTimeoutMs + OUTSTANDING_MARGIN_MS;
    this.millis = millis;
    this.askRate = refusals(registry, "ask_per_minute");
    this.askOutstanding = refusals(registry, "ask_outstanding");
    this.labelRate = refusals(registry, "label_per_minute");
    this.streamLimit = refusals(registry, "streams");
  }

  private static Counter refusals(MeterRegistry registry, String quota) {
    return Counter.builder("memreason.web.quota.refusals").tag("quota", quota)
        .description("Requests refused with 429 because a quota was used up").register(registry);
  }

  /**
   * Counts a question {@code caller} is about to ask, or refuses it (429). The question stays outstanding until
   * {@link #settled}.
   */
  synchronized void ask(Caller caller, String questionId) {
    long now = millis.getAsLong();
    expireOutstanding(now);
    int open = outstandingPerCaller.getOrDefault(caller.name(), 0);
    if (open >= limits.askOutstanding()) {
      askOutstanding.increment();
      throw ApiException.tooMany(caller.name() + " has " + open + " questions not answered yet, the most allowed"
          + " (web.ask-outstanding): ask again once one is answered", OUTSTANDING_RETRY_SECONDS);
    }
    long wait = asks.computeIfAbsent(caller.name(), n -> new Bucket(limits.askPerMinute(), now)).take(now);
    if (wait > 0) {
      askRate.increment();
      throw ApiException.tooMany(caller.name() + " asked " + limits.askPerMinute() + " questions in the last minute,"
          + " the most allowed (web.ask-per-minute)", seconds(wait));
    }
    outstanding.put(questionId, new Asked(caller.name(), now));
    outstandingPerCaller.merge(caller.name(), 1, Integer::sum);
  }

  /** The question was answered, or never produced (Kafka refused it): it no longer counts. */
  synchronized void settled(String questionId) {
    Asked asked = outstanding.remove(questionId);
    if (asked != null) {
      outstandingPerCaller.computeIfPresent(asked.caller(), (n, c) -> c > 1 ? c - 1 : null);
    }
  }

  /** Counts a label {@code caller} gives, or refuses it (429). */
  synchronized void label(Caller caller) {
    long now = millis.getAsLong();
    long wait = labels.computeIfAbsent(caller.name(), n -> new Bucket(limits.labelPerMinute(), now)).take(now);
    if (wait > 0) {
      labelRate.increment();
      throw ApiException.tooMany(caller.name() + " gave " + limits.labelPerMinute() + " labels in the last minute,"
          + " the most allowed (web.label-per-minute)", seconds(wait));
    }
  }

  /** A place for one more live stream of {@code caller}, or a 429 when it or the server has the most open. */
  synchronized StreamSlot openStream(Caller caller) {
    int own = streamsPerCaller.getOrDefault(caller.name(), 0);
    if (own >= limits.streamsPerToken()) {
      streamLimit.increment();
      throw ApiException.tooMany(caller.name() + " has " + own + " live streams open, the most allowed"
          + " (web.streams-per-token): close a page", STREAMS_RETRY_SECONDS);
    }
    if (streams >= limits.maxStreams()) {
      streamLimit.increment();
      throw ApiException.tooMany("this server has " + streams + " live streams open, the most it allows"
          + " (web.max-streams)", STREAMS_RETRY_SECONDS);
    }
    streams++;
    streamsPerCaller.merge(caller.name(), 1, Integer::sum);
    boolean[] closed = {false};
    return () -> {
      synchronized (Quotas.this) {
        if (!closed[0]) {
          closed[0] = true;
          streams--;
          streamsPerCaller.computeIfPresent(caller.name(), (n, c) -> c > 1 ? c - 1 : null);
        }
      }
    };
  }

  private void expireOutstanding(long now) {
    for (Iterator<Map.Entry<String, Asked>> it = outstanding.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Asked> e = it.next();
      if (now - e.getValue().atMs() < outstandingExpiryMs) {
        return;
      }
      it.remove();
      outstandingPerCaller.computeIfPresent(e.getValue().caller(), (n, c) -> c > 1 ? c - 1 : null);
    }
  }

  private static long seconds(long millis) {
    return TimeUnit.MILLISECONDS.toSeconds(millis + 999);
  }
}
