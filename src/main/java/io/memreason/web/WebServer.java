package io.memreason.web;

import com.google.gson.Gson;
import io.javalin.Javalin;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinGson;
import io.memreason.config.MemreasonConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.KeyStore;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * memreason's HTTP server: the live trace page on {@code /} with its JSON API under {@code /api} ({@link MonitorApi}),
 * Prometheus metrics on {@code /metrics}; liveness on {@code /health/live}, readiness on {@code /health/ready} (200 or
 * 503, for Kubernetes probes) and both with the pipeline state on {@code /health}. Who may do what is
 * {@link WebAccess}'s, how much {@link Quotas}'; with {@code web.tls.keystore} it speaks HTTPS only.
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
  private final Javalin metrics;
  private final ServerConnector redirect;
  private final TraceMonitor monitor;

  private WebServer(Javalin app, Javalin metrics, ServerConnector redirect, TraceMonitor monitor) {
    this.app = app;
    this.metrics = metrics;
    this.redirect = redirect;
    this.monitor = monitor;
  }

  /**
   * Starts serving on {@code web.host}:{@code web.port} (port 0: any free port, see {@link #port()}). Refuses to
   * start without authentication on an address other machines reach, unless {@code web.allow-unauthenticated=true}.
   */
  public static WebServer start(MemreasonConfig.Web config, PrometheusMeterRegistry registry, Supplier<Health> health,
                                TraceMonitor monitor) {
    check(config);
    if (!config.auth().tokens() && !isLoopback(config.host())) {
      log.warn("the HTTP server on {}:{} has no authentication (web.auth=none, web.allow-unauthenticated=true): anyone"
          + " who can reach it can ask questions, read every trace and label answers, which retrains the model",
          config.host(), config.port());
    }
    WebAccess access = WebAccess.forConfig(config, registry);
    Quotas quotas = new Quotas(config.limits(), monitor.config.pipeline().answerTimeoutMs(), registry,
        System::currentTimeMillis);
    MemreasonConfig.Web.Tls tls = config.tls();
    KeyStore keystore = null;
    char[] password = null;
    if (tls.keystore().isPresent()) {
      password = HttpsConnectors.password(tls, System::getenv);
      keystore = HttpsConnectors.open(tls.keystore().get(), password);
    }
    KeyStore httpsKeys = keystore;
    char[] httpsPassword = password;
    AtomicReference<ServerConnector> redirect = new AtomicReference<>();
    AtomicInteger httpsPort = new AtomicInteger();
    Javalin app = Javalin.create(c -> {
      c.jetty.host = config.host();
      c.jetty.port = config.port();
      if (httpsKeys != null) {
        c.jetty.addConnector((server, http) -> HttpsConnectors.https(server, http, config.host(), config.port(),
            httpsKeys, httpsPassword));
        tls.redirectPort().ifPresent(port -> c.jetty.addConnector((server, http) -> {
          redirect.set(HttpsConnectors.plain(server, http, config.host(), port));
          return redirect.get();
        }));
      }
      c.startup.showJavalinBanner = false;
      c.http.maxRequestSize = config.limits().maxBodyBytes();
      c.jsonMapper(new JavalinGson(GSON, false));
      c.staticFiles.add(page -> {
        page.hostedPath = "/";
        page.directory = "/web";
        page.location = Location.CLASSPATH;
        page.headers = PAGE_HEADERS;
      });
      c.routes.before(ctx -> {
        ctx.header("X-Content-Type-Options", "nosniff");
        if (httpsKeys != null && !ctx.req().isSecure()) {
          redirectToHttps(ctx, httpsPort.get());
        }
      });
      c.routes.exception(ApiException.class, (e, ctx) -> {
        e.headers().forEach(ctx::header);
        MonitorApi.error(ctx, e.status(), e.getMessage());
      });
      c.routes.exception(HttpResponseException.class, (e, ctx) -> MonitorApi.error(ctx,
          HttpStatus.forStatus(e.getStatus()), e.getStatus() == HttpStatus.CONTENT_TOO_LARGE.getCode()
              ? RequestBody.tooLarge(config.limits().maxBodyBytes()).getMessage() : e.getMessage()));
      new MonitorApi(monitor, access, quotas).register(c.routes);
      c.routes.get(METRICS_PATH, ctx -> {
        access.require(ctx, Role.WATCH);
        scrape(ctx, registry);
      });
      healthRoutes(c.routes, health);
    });
    start(app, config.host(), config.port());
    httpsPort.set(app.port());
    Javalin metrics = null;
    if (config.metricsPort().isPresent()) {
      metrics = Javalin.create(c -> {
        c.jetty.host = config.host();
        c.jetty.port = config.metricsPort().getAsInt();
        c.startup.showJavalinBanner = false;
        c.routes.get(METRICS_PATH, ctx -> scrape(ctx, registry));
        healthRoutes(c.routes, health);
      });
      start(metrics, config.host(), config.metricsPort().getAsInt());
    }
    String scheme = httpsKeys != null ? "https" : "http";
    log.info("{} on {}://{}:{}: the live page on /, its API on /api, /metrics{}, /health; {}", scheme.toUpperCase(),
        scheme, config.host(), app.port(), metrics == null ? "" : " (also without sign-in on port " + metrics.port() + ")",
        access.enabled() ? "sign-in with the tokens of " + config.auth().tokensFile().orElseThrow()
            : "no sign-in (web.auth=none)");
    if (redirect.get() != null) {
      log.info("plain HTTP on port {} redirects to HTTPS", redirect.get().getLocalPort());
    }
    return new WebServer(app, metrics, redirect.get(), monitor);
  }

  /**
   * Fails when the server could not start as configured, so that {@code serve} says so before it loads a model: a
   * tokens file that is missing or broken, a keystore or password that cannot be read, or no authentication on an
   * address other machines reach. Without tokens anyone who reaches the port may ask (GPU time), read every trace and
   * label answers, which retrains the model: that is only allowed on loopback, or when explicitly wanted (and then
   * said at every start).
   */
  public static void check(MemreasonConfig.Web config) {
    if (!config.auth().tokens() && !isLoopback(config.host()) && !config.auth().allowUnauthenticated()) {
      throw new IllegalStateException("refusing to serve without authentication (web.auth=none) on " + config.host()
          + ", which other machines can reach: set web.auth=tokens with web.tokens-file, bind web.host=127.0.0.1,"
          + " or set web.allow-unauthenticated=true if anyone on that network may ask, watch and label");
    }
    if (config.auth().tokens()) {
      TokenFile.read(config.auth().tokensFile().orElseThrow(() -> new IllegalStateException(WebAccess.NO_TOKENS_FILE)));
    }
    config.tls().keystore().ifPresent(keystore ->
        HttpsConnectors.open(keystore, HttpsConnectors.password(config.tls(), System::getenv)));
  }

  static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static void start(Javalin app, String host, int port) {
    try {
      app.start();
    } catch (RuntimeException e) {
      throw new IllegalStateException("cannot serve HTTP on " + host + ":" + port + " (" + e.getMessage()
          + "): choose another port with --set web.port=N", e);
    }
  }

  /** The redirect port answers every request with the same address on HTTPS. */
  private static void redirectToHttps(Context ctx, int port) {
    String host = ctx.req().getServerName();
    String query = ctx.queryString() == null ? "" : "?" + ctx.queryString();
    ctx.redirect("https://" + (host.contains(":") ? "[" + host + "]" : host) + (port == 443 ? "" : ":" + port)
        + ctx.path() + query, HttpStatus.PERMANENT_REDIRECT);
    ctx.skipRemainingHandlers();
  }

  private static void scrape(Context ctx, PrometheusMeterRegistry registry) {
    ctx.contentType(PROMETHEUS_TEXT).result(registry.scrape());
  }

  private static void healthRoutes(RoutesConfig routes, Supplier<Health> health) {
    routes.get(HEALTH_PATH, ctx -> respond(ctx, health.get(), true));
    routes.get(LIVENESS_PATH, ctx -> respond(ctx, health.get(), false));
    routes.get(READINESS_PATH, ctx -> {
      Health h = health.get();
      json(ctx, h.ready() ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE, Map.of("ready", h.ready(), "state", h.state()));
    });
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

  /** The port actually bound (HTTPS when TLS is on). */
  public int port() {
    return app.port();
  }

  /** The port of /metrics without sign-in, when {@code web.metrics-port} is set. */
  public OptionalInt metricsPort() {
    return metrics == null ? OptionalInt.empty() : OptionalInt.of(metrics.port());
  }

  /** The plain-HTTP port that redirects to HTTPS, when {@code web.tls.redirect-port} is set. */
  public OptionalInt redirectPort() {
    return redirect == null ? OptionalInt.empty() : OptionalInt.of(redirect.getLocalPort());
  }

  /** Ends the live pages' streams (their requests would otherwise hold the server open), then stops serving. */
  @Override
  public void close() {
    monitor.live.disconnectPages();
    app.stop();
    if (metrics != null) {
      metrics.stop();
    }
  }
}
