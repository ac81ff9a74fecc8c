package io.memreason.web;

import com.google.gson.Gson;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinGson;
import io.memreason.config.MemreasonConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * memreason's HTTP server: the live trace page on {@code /} with its JSON API under {@code /api} ({@link MonitorApi}),
 * Prometheus metrics on {@code /metrics}; liveness on {@code /health/live}, readiness on {@code /health/ready} (200 or
 * 503, for Kubernetes probes) and both with the pipeline state on {@code /health}.
 */
public final class WebServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WebServer.class);
  /** Prometheus scrape endpoint. */
  public static final String METRICS_PATH = "/metrics";
  /** Pipeline state as JSON; 200 while live. */
  public static final String HEALTH_PATH = "/health";
  /** Liveness probe: 503 once the pipeline stopped or failed (restart the process). */
  public static final String LIVENESS_PATH = "/health/live";
  /** Readiness probe: 200 only while the pipeline processes records. */
  public static final String READINESS_PATH = "/health/ready";
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
  private static final Gson GSON = new Gson();
  private static final long MAX_REQUEST_BYTES = 64 * 1024;
  /**
   * The page builds its DOM from model text with textContent only; the policy is the second line of defence: no
   * inline script, nothing from elsewhere, no framing.
   */
  private static final Map<String, String> PAGE_HEADERS = Map.of(
      "Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
          + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
      "Referrer-Policy", "no-referrer",
      "Cache-Control", "no-cache");

  private final Javalin app;
  private final TraceMonitor monitor;

  private WebServer(Javalin app, TraceMonitor monitor) {
    this.app = app;
    this.monitor = monitor;
  }

  /** Starts serving on {@code web.host}:{@code web.port} (port 0: any free port, see {@link #port()}). */
  public static WebServer start(MemreasonConfig.Web config, PrometheusMeterRegistry registry, Supplier<Health> health,
                                TraceMonitor monitor) {
    Javalin app = Javalin.create(c -> {
      c.jetty.host = config.host();
      c.jetty.port = config.port();
      c.startup.showJavalinBanner = false;
      c.http.maxRequestSize = MAX_REQUEST_BYTES;
      c.jsonMapper(new JavalinGson(GSON, false));
      c.staticFiles.add(page -> {
        page.hostedPath = "/";
        page.directory = "/web";
        page.location = Location.CLASSPATH;
        page.headers = PAGE_HEADERS;
      });
      c.routes.before(ctx -> ctx.header("X-Content-Type-Options", "nosniff"));
      c.routes.exception(ApiException.class, (e, ctx) -> MonitorApi.error(ctx, e.status(), e.getMessage()));
      c.routes.exception(HttpResponseException.class, (e, ctx) -> MonitorApi.error(ctx,
          HttpStatus.forStatus(e.getStatus()), e.getStatus() == HttpStatus.CONTENT_TOO_LARGE.getCode()
              ? "the body is larger than " + MAX_REQUEST_BYTES / 1024 + " KiB" : e.getMessage()));
      new MonitorApi(monitor).register(c.routes);
      c.routes.get(METRICS_PATH, ctx -> ctx.contentType(PROMETHEUS_TEXT).result(registry.scrape()));
      c.routes.get(HEALTH_PATH, ctx -> respond(ctx, health.get(), true));
      c.routes.get(LIVENESS_PATH, ctx -> respond(ctx, health.get(), false));
      c.routes.get(READINESS_PATH, ctx -> {
        Health h = health.get();
        json(ctx, h.ready() ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE, Map.of("ready", h.ready(), "state", h.state()));
      });
    });
    try {
      app.start();
    } catch (RuntimeException e) {
      throw new IllegalStateException("cannot serve HTTP on " + config.host() + ":" + config.port()
          + " (" + e.getMessage() + "): choose another port with --set web.port=N", e);
    }
    log.info("HTTP on http://{}:{}: the live page on /, its API on /api, /metrics, /health", config.host(), app.port());
    return new WebServer(app, monitor);
  }

  private static void respond(Context ctx, Health h, boolean full) {
    Map<String, Object> body = new LinkedHashMap<>();
    if (full) {
      body.put("status", h.status());
      body.put("ready", h.ready());
    }
    body.put("live", h.live());
    body.put("state", h.state());
    json(ctx, h.live() ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE, body);
  }

  private static void json(Context ctx, HttpStatus status, Map<String, Object> body) {
    ctx.status(status).contentType("application/json").result(GSON.toJson(body));
  }

  /** The port actually bound. */
  public int port() {
    return app.port();
  }

  /** Ends the live pages' streams (their requests would otherwise hold the server open), then stops serving. */
  @Override
  public void close() {
    monitor.live.disconnectPages();
    app.stop();
  }
}
