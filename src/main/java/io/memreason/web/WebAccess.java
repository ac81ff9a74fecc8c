package io.memreason.web;

import com.google.gson.Gson;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.memreason.config.MemreasonConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Who may do what on the HTTP server. A caller proves a token of {@code web.tokens-file} with {@code Authorization:
 * Bearer <token>} (API clients) or the {@value #COOKIE} cookie the page's sign-in sets ({@code HttpOnly},
 * {@code SameSite=Strict}, {@code Secure} under TLS: scripts cannot read it and other sites' requests do not carry
 * it). Refusals are JSON: 401 without a valid token, 403 without the role. A token is never taken from a URL, and a
 * browser request that says it comes from another site may not change anything. Failed attempts are counted by
 * reason ({@code memreason_web_auth_failures_total}), never by token or name.
 */
final class WebAccess {
  static final String COOKIE = "memreason_token";
  static final String NO_TOKENS_FILE = "web.auth=tokens needs web.tokens-file: create one with `memreason token add"
      + " NAME --roles watch,ask,label --file FILE` and set web.tokens-file=FILE (or, on this machine only,"
      + " web.host=127.0.0.1 and web.auth=none)";
  private static final Set<String> URL_TOKEN_PARAMETERS = Set.of("token", "access_token", "api_key", "apikey");
  /** Characters a token may have to be kept in a cookie unquoted (memreason's tokens are base64url). */
  private static final Pattern COOKIE_SAFE = Pattern.compile("[A-Za-z0-9._~+/=-]+");
  private static final Set<String> SAME_SITE_FETCHES = Set.of("same-origin", "none");
  private static final Gson GSON = new Gson();

  /** Why an attempt failed: the only label of the failure counter. */
  enum Failure {
    NO_TOKEN, MALFORMED, UNKNOWN_TOKEN, MISSING_ROLE, CROSS_SITE, TOKEN_IN_URL;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final Optional<Tokens> tokens;
  private final boolean secureCookie;
  private final Map<Failure, Counter> failures = new LinkedHashMap<>();

  /** @param tokens empty for {@code web.auth=none}: every caller is {@link Caller#ANONYMOUS} */
  WebAccess(Optional<Tokens> tokens, boolean secureCookie, MeterRegistry registry) {
    this.tokens = tokens;
    this.secureCookie = secureCookie;
    for (Failure f : Failure.values()) {
      failures.put(f, Counter.builder("memreason.web.auth.failures").tag("reason", f.label())
          .description("Requests refused for want of a valid token, a role, or for coming from another site")
          .register(registry));
    }
  }

  static WebAccess forConfig(MemreasonConfig.Web web, MeterRegistry registry) {
    Optional<Tokens> tokens = Optional.empty();
    if (web.auth().tokens()) {
      tokens = Optional.of(new Tokens(web.auth().tokensFile().orElseThrow(() -> new IllegalStateException(
          NO_TOKENS_FILE))));
    }
    return new WebAccess(tokens, web.tls().keystore().isPresent(), registry);
  }

  boolean enabled() {
    return tokens.isPresent();
  }

  /** The caller, who must have {@code role}; else a 401 or 403 {@link ApiException}. */
  Caller require(Context ctx, Role role) {
    Caller caller = identify(ctx);
    if (!caller.may(role)) {
      throw refuse(Failure.MISSING_ROLE, new ApiException(HttpStatus.FORBIDDEN, "the token '" + caller.name()
          + "' may not " + describe(role) + ": it lacks the " + role.key() + " role (it has "
          + (caller.roles().isEmpty() ? "none" : Role.listOf(caller.roles())) + ")"));
    }
    return caller;
  }

  /** The caller of a request; a 401 {@link ApiException} when it carries no valid token. */
  Caller identify(Context ctx) {
    refuseTokenInUrl(ctx);
    refuseCrossSiteChange(ctx);
    if (tokens.isEmpty()) {
      return Caller.ANONYMOUS;
    }
    String authorization = ctx.header("Authorization");
    if (authorization != null) {
      String[] parts = authorization.strip().split("\\s+", 2);
      if (parts.length != 2 || !parts[0].equalsIgnoreCase("Bearer")) {
        throw unauthorized(Failure.MALFORMED, "the Authorization header must be 'Bearer <token>'");
      }
      return tokens.get().match(parts[1].strip()).orElseThrow(() -> unauthorized(Failure.UNKNOWN_TOKEN,
          "the token is not valid (not in web.tokens-file, or removed from it)"));
    }
    String cookie = ctx.cookie(COOKIE);
    if (cookie != null) {
      return tokens.get().match(cookie).orElseThrow(() -> {
        clearCookie(ctx);
        return unauthorized(Failure.UNKNOWN_TOKEN, "the token you signed in with is no longer valid: sign in again");
      });
    }
    throw unauthorized(Failure.NO_TOKEN, "sign in: send 'Authorization: Bearer <token>' (memreason token add makes"
        + " one) or sign in on the page");
  }

  /** {@code POST /api/session {"token": "..."}}: checks the token and keeps it in the page's cookie. */
  void signIn(Context ctx, String body) {
    refuseTokenInUrl(ctx);
    refuseCrossSiteChange(ctx);
    if (tokens.isEmpty()) {
      respondSession(ctx, Caller.ANONYMOUS);
      return;
    }
    String token = JsonRequest.parse(body, Set.of("token")).requiredString("token", Tokens.MAX_TOKEN_CHARS);
    Caller caller = tokens.get().match(token).orElseThrow(() -> unauthorized(Failure.UNKNOWN_TOKEN,
        "the token is not valid (not in web.tokens-file, or removed from it)"));
    if (!COOKIE_SAFE.matcher(token).matches()) {
      throw ApiException.badRequest("this token has characters a cookie cannot hold: use it as 'Authorization:"
          + " Bearer' instead, or make one with memreason token add");
    }
    // A session cookie: it goes when the browser closes.
    ctx.header("Set-Cookie", COOKIE + "=" + token + "; Path=/; HttpOnly; SameSite=Strict" + (secureCookie ? "; Secure" : ""));
    respondSession(ctx, caller);
  }

  /** {@code GET /api/session}: who the page is signed in as and what it may do. */
  void session(Context ctx) {
    respondSession(ctx, identify(ctx));
  }

  /** {@code DELETE /api/session}: forgets the page's cookie. */
  void signOut(Context ctx) {
    refuseCrossSiteChange(ctx);
    clearCookie(ctx);
    ctx.status(HttpStatus.NO_CONTENT);
  }

  private void respondSession(Context ctx, Caller caller) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", caller.name());
    body.put("roles", caller.roles().stream().sorted().map(Role::key).toList());
    body.put("auth", tokens.isPresent() ? "tokens" : "none");
    ctx.contentType("application/json").result(GSON.toJson(body));
  }

  private void clearCookie(Context ctx) {
    ctx.header("Set-Cookie", COOKIE + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + (secureCookie ? "; Secure" : ""));
  }

  /** A token in a URL ends up in access logs, proxies and browser history: such a request is refused outright. */
  private void refuseTokenInUrl(Context ctx) {
    for (String name : ctx.queryParamMap().keySet()) {
      if (URL_TOKEN_PARAMETERS.contains(name.toLowerCase(Locale.ROOT))) {
        throw refuse(Failure.TOKEN_IN_URL, ApiException.badRequest("a token is never taken from the URL (it would"
            + " end up in logs and browser history): send it as 'Authorization: Bearer <token>'"));
      }
    }
  }

  /**
   * Browsers say where a request comes from ({@code Sec-Fetch-Site}, {@code Origin}); one that changes something and
   * comes from another site is refused, whatever it carries. API clients send neither header.
   */
  private void refuseCrossSiteChange(Context ctx) {
    String method = ctx.method().name();
    if (method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS")) {
      return;
    }
    String site = ctx.header("Sec-Fetch-Site");
    String origin = ctx.header("Origin");
    boolean crossSite = site != null && !SAME_SITE_FETCHES.contains(site.toLowerCase(Locale.ROOT));
    boolean otherOrigin = origin != null && !authority(origin).equalsIgnoreCase(String.valueOf(ctx.header("Host")));
    if (crossSite || otherOrigin) {
      throw refuse(Failure.CROSS_SITE, new ApiException(HttpStatus.FORBIDDEN, "refused a request from another site"
          + " (Origin " + (origin == null ? "not sent" : origin) + "): only this server's own page may change things"));
    }
  }

  private static String authority(String origin) {
    try {
      String authority = URI.create(origin).getRawAuthority();
      return authority == null ? "" : authority;
    } catch (IllegalArgumentException e) {
      return "";
    }
  }

  private ApiException unauthorized(Failure reason, String message) {
    return refuse(reason, new ApiException(HttpStatus.UNAUTHORIZED, message,
        Map.of("WWW-Authenticate", "Bearer realm=\"memreason\"")));
  }

  private ApiException refuse(Failure reason, ApiException e) {
    failures.get(reason).increment();
    return e;
  }

  private static String describe(Role role) {
    return switch (role) {
      case WATCH -> "watch traces";
      case ASK -> "ask questions";
      case LABEL -> "label answers";
    };
  }
}
