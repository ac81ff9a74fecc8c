package io.memreason.hub;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpResponse.BodySubscribers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Hub's HTTP file API as huggingface_hub uses it: a revision's commit and file list
 * ({@code GET /api/models/{repo}/revision/{rev}}), a file's ETag, size and commit ({@code HEAD
 * /{repo}/resolve/{commit}/{file}}, stopping at a redirect to another host) and its bytes (a {@code GET} of the same
 * address that follows the redirect to the CDN, resuming with {@code Range}).
 *
 * <p>Built on the JDK's {@code java.net.http}: four kinds of request need no library, and redirects are followed by
 * hand so that the access token goes only to the Hub's own origin, never to the CDN or another host a redirect
 * names. The token appears in no message this class makes.
 */
final class HubClient {
  private static final int MAX_REDIRECTS = 10;
  private static final String USER_AGENT = "memreason/0.1.0; java/" + Runtime.version().feature();
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-\\d+/(\\d+|\\*)");

  /** A revision's commit and the paths of its files. */
  record Revision(String commit, List<String> files) {}

  /**
   * What a HEAD request says about a file.
   *
   * @param etag the blob's name in the cache: the sha256 of an LFS file, the git blob id of another
   * @param lfs true when the file lives in LFS (its etag is then its sha256)
   */
  record FileMetadata(String commit, String etag, long size, boolean lfs) {}

  /** Where a download's body goes as it arrives. */
  interface BodySink {
    void write(ByteBuffer bytes) throws IOException;
  }

  private final HubSettings settings;
  private final Optional<String> token;
  private final Timing timing;
  private final HttpClient http;

  HubClient(HubSettings settings, Timing timing) {
    this.settings = settings;
    this.token = settings.accessToken();
    this.timing = timing;
    this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(timing.response()).build();
  }

  /** The commit a revision points at and the files it has. */
  Revision revision(HubModelId id) {
    URI uri = address("/api/models/" + id.repo() + "/revision/" + encode(id.revision()));
    HttpResponse<String> r = call(() -> send("GET", uri, Map.of("Accept", "application/json"), BodyHandlers.ofString(),
        false, this::awaitResponse));
    if (r.statusCode() != 200) {
      throw failure(r.statusCode(), r.headers(), Optional.ofNullable(r.body()), id, null);
    }
    try {
      JsonObject info = JsonParser.parseString(r.body()).getAsJsonObject();
      JsonElement sha = info.get("sha");
      JsonElement siblings = info.get("siblings");
      if (sha == null || !sha.isJsonPrimitive() || siblings == null || !siblings.isJsonArray()) {
        throw notAHub(uri, "its answer has no sha and siblings");
      }
      List<String> files = new ArrayList<>();
      for (JsonElement s : (JsonArray) siblings) {
        files.add(s.getAsJsonObject().get("rfilename").getAsString());
      }
      return new Revision(sha.getAsString(), List.copyOf(files));
    } catch (JsonParseException | IllegalStateException | UnsupportedOperationException | NullPointerException e) {
      throw notAHub(uri, "its answer is not the JSON of a revision");
    }
  }

  /** A file's metadata: the headers of the Hub's answer, without following a redirect to the CDN. */
  FileMetadata head(HubModelId id, String commit, String file) {
    URI uri = resolveAddress(id, commit, file);
    HttpResponse<Void> r = call(() -> send("HEAD", uri, Map.of("Accept-Encoding", "identity"),
        BodyHandlers.discarding(), false, this::awaitResponse));
    if (r.statusCode() >= 400) {
      throw failure(r.statusCode(), r.headers(), Optional.empty(), id, file);
    }
    HttpHeaders h = r.headers();
    String repoCommit = h.firstValue("X-Repo-Commit").orElseThrow(() -> notAHub(uri, "it sent no X-Repo-Commit header"));
    Optional<String> linked = h.firstValue("X-Linked-Etag");
    String etag = linked.or(() -> h.firstValue("ETag")).map(HubClient::normalizeEtag)
        .orElseThrow(() -> notAHub(uri, "it sent no ETag"));
    long size = h.firstValue("X-Linked-Size").or(() -> h.firstValue("Content-Length")).map(HubClient::parseSize)
        .orElseThrow(() -> notAHub(uri, "it sent no size (X-Linked-Size or Content-Length)"));
    return new FileMetadata(repoCommit, etag, size, linked.isPresent());
  }

  /**
   * GETs a file from byte {@code offset} on (a Range request unless it is 0), following redirects, and writes its
   * body to the sink {@code openAt} gives for the offset the server really starts from (0 when it ignores the
   * range). A transfer silent for longer than the stall timeout is cut with an IOException, so it can be resumed.
   *
   * @return the status: 200 or 206 when bytes were written, 416 when the server has nothing from {@code offset} on
   */
  int download(HubModelId id, String commit, String file, long offset, LongFunction<BodySink> openAt)
      throws IOException {
    URI uri = resolveAddress(id, commit, file);
    Map<String, String> headers = offset > 0 ? Map.of("Range", "bytes=" + offset + "-") : Map.of();
    AtomicReference<Streaming> body = new AtomicReference<>();
    BodyHandler<Void> handler = info -> {
      int status = info.statusCode();
      if (status != 200 && status != 206) {
        return BodySubscribers.replacing(null);
      }
      long start = status == 206 ? rangeStart(info.headers()) : 0;
      if (status == 206 && start != offset) {
        return BodySubscribers.replacing(null);
      }
      Streaming streaming = new Streaming(openAt.apply(start));
      body.set(streaming);
      return streaming;
    };
    HttpResponse<Void> r = interruptible(() -> send("GET", uri, headers, handler, true, f -> awaitBody(f, body)));
    int status = r.statusCode();
    if (status == 416) {
      return status;
    }
    if (status == 206 && rangeStart(r.headers()) != offset) {
      throw new IOException("the server resumed " + file + " at another byte than " + offset);
    }
    if (status != 200 && status != 206) {
      if (!sameOrigin(r.uri(), settings.endpoint())) {
        throw new HubException(HubException.Kind.SERVER_ERROR, "the download server " + r.uri().getHost()
            + " answered HTTP " + status + " for " + file + " of " + id.repoAtRevision() + ": try again later");
      }
      throw failure(status, r.headers(), Optional.empty(), id, file);
    }
    return status;
  }

  private URI resolveAddress(HubModelId id, String commit, String file) {
    StringBuilder path = new StringBuilder("/" + id.repo() + "/resolve/" + encode(commit));
    for (String part : file.split("/")) {
      path.append('/').append(encode(part));
    }
    return address(path.toString());
  }

  private URI address(String path) {
    return URI.create(settings.endpoint() + path);
  }

  /** One request and the redirects after it; a redirect to another origin is followed only when asked for. */
  private <T> HttpResponse<T> send(String method, URI start, Map<String, String> headers, BodyHandler<T> handler,
                                   boolean crossOrigin, Waiter<T> waiter) throws IOException, InterruptedException {
    URI uri = start;
    for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
      HttpRequest.Builder request = HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.noBody())
          .timeout(timing.response()).header("User-Agent", USER_AGENT);
      headers.forEach(request::header);
      if (sameOrigin(uri, settings.endpoint())) {
        token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
      }
      HttpResponse<T> r = waiter.await(http.sendAsync(request.build(),
          info -> isRedirect(info.statusCode()) ? BodySubscribers.replacing(null) : handler.apply(info)));
      Optional<String> location = r.headers().firstValue("Location");
      if (!isRedirect(r.statusCode()) || location.isEmpty()) {
        return r;
      }
      URI next = uri.resolve(location.get());
      if (!crossOrigin && !sameOrigin(next, uri)) {
        return r;
      }
      uri = next;
    }
    throw notAHub(start, "it redirected more than " + MAX_REDIRECTS + " times");
  }

  private interface Waiter<T> {
    HttpResponse<T> await(CompletableFuture<HttpResponse<T>> response) throws IOException, InterruptedException;
  }

  private interface Exchange<T> {
    HttpResponse<T> run() throws IOException, InterruptedException;
  }

  private <T> HttpResponse<T> awaitResponse(CompletableFuture<HttpResponse<T>> response)
      throws IOException, InterruptedException {
    try {
      return response.get(timing.response().toMillis() * 2, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      response.cancel(true);
      throw new IOException("no answer within " + seconds(timing.response().multipliedBy(2)) + " s");
    } catch (ExecutionException e) {
      throw asIoException(e);
    }
  }

  /** Waits for a body as long as bytes keep arriving; cuts the transfer after {@link Timing#stall()} of silence. */
  private <T> HttpResponse<T> awaitBody(CompletableFuture<HttpResponse<T>> response, AtomicReference<Streaming> body)
      throws IOException, InterruptedException {
    long started = System.nanoTime();
    while (true) {
      try {
        return response.get(Math.min(1000, timing.stall().toMillis()), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        Streaming streaming = body.get();
        long quietSince = streaming == null ? started : streaming.lastActivity;
        if (System.nanoTime() - quietSince > timing.stall().toNanos()) {
          if (streaming != null) {
            streaming.abort();
          }
          response.cancel(true);
          throw new IOException("no data for " + seconds(timing.stall()) + " s");
        }
      } catch (ExecutionException e) {
        throw asIoException(e);
      }
    }
  }

  private <T> HttpResponse<T> call(Exchange<T> exchange) {
    try {
      return interruptible(exchange);
    } catch (IOException e) {
      throw unreachable(e);
    }
  }

  private static <T> HttpResponse<T> interruptible(Exchange<T> exchange) throws IOException {
    try {
      return exchange.run();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while talking to the Hub", e);
    }
  }

  /** The Hub could not be reached: no answer, a refused connection, an unknown host, a cut transfer. */
  HubException unreachable(IOException e) {
    return new HubException(HubException.Kind.UNREACHABLE, "cannot reach the Hub at " + settings.endpoint() + " ("
        + describe(e) + "): check the network or HF_ENDPOINT; HF_HUB_OFFLINE=1 uses the cache only", e);
  }

  /** One line for a refused request: what the Hub said, what it means for this repository, and what to do. */
  private HubException failure(int status, HttpHeaders headers, Optional<String> body, HubModelId id, String file) {
    String code = headers.firstValue("X-Error-Code").orElse("");
    String message = clean(headers.firstValue("X-Error-Message").or(() -> body.flatMap(HubClient::jsonError)).orElse(""));
    String said = "HTTP " + status + (message.isEmpty() ? "" : ": " + message);
    String lower = message.toLowerCase(Locale.ROOT);
    if (code.equals("RevisionNotFound") || lower.equals("revision not found") || lower.startsWith("invalid rev id")) {
      return new HubException(HubException.Kind.REVISION_NOT_FOUND, id.repo() + " has no revision '" + id.revision()
          + "' (" + said + "): name a branch, tag or commit of it");
    }
    if (code.equals("EntryNotFound") || lower.equals("entry not found") || (status == 404 && file != null
        && code.isEmpty() && !lower.contains("repository"))) {
      return new HubException(HubException.Kind.FILE_NOT_FOUND, id.repoAtRevision() + " has no file '" + file + "' ("
          + said + ")");
    }
    if (status == 401 || status == 403) {
      if (lower.contains("invalid credentials") || lower.contains("invalid username or password")) {
        return new HubException(HubException.Kind.ACCESS_DENIED, "the Hub refused the access token for " + id.repo()
            + " (" + said + "): set HF_TOKEN to a valid token (or log in again)");
      }
      if (code.equals("RepoNotFound")) {
        return new HubException(HubException.Kind.ACCESS_DENIED, id.repo() + " was not found, or it is private or "
            + "gated (" + said + "): check the name; if it is gated, accept its licence on the Hub and set HF_TOKEN");
      }
      String which = code.equals("GatedRepo") || lower.contains("gated") || lower.contains("restricted")
          ? "is gated" : "is gated or private";
      String tokenNote = token.isPresent() && status == 403 ? " (the token sent has no access to it)" : "";
      return new HubException(HubException.Kind.ACCESS_DENIED, id.repo() + " " + which + " (" + said
          + "): accept its licence on the Hub and set HF_TOKEN" + tokenNote);
    }
    if (status == 404) {
      return new HubException(HubException.Kind.REPOSITORY_NOT_FOUND, "no repository " + id.repo() + " on "
          + settings.endpoint() + " (" + said + ")" + (token.isPresent() ? "" : "; a private one needs HF_TOKEN"));
    }
    String what = file == null ? "the revision " + id.repoAtRevision() : file + " of " + id.repoAtRevision();
    if (status == 429 || status >= 500) {
      return new HubException(HubException.Kind.SERVER_ERROR, "the Hub answered " + said + " for " + what
          + ": try again later");
    }
    return new HubException(HubException.Kind.BAD_RESPONSE, "the Hub answered " + said + " for " + what);
  }

  private HubException notAHub(URI uri, String why) {
    return new HubException(HubException.Kind.BAD_RESPONSE, settings.endpoint() + " does not seem to be a Hugging Face "
        + "Hub endpoint (" + why + ", for " + uri.getPath() + "): check HF_ENDPOINT");
  }

  /** A message from the server, made safe for one log line: no control characters, not too long, no token. */
  private String clean(String message) {
    String m = message.replaceAll("\\p{Cntrl}", " ").strip();
    if (token.isPresent()) {
      m = m.replace(token.get(), "******");
    }
    return m.length() > 300 ? m.substring(0, 300) + "…" : m;
  }

  private static Optional<String> jsonError(String body) {
    try {
      JsonElement e = JsonParser.parseString(body);
      return e.isJsonObject() && e.getAsJsonObject().has("error")
          ? Optional.of(e.getAsJsonObject().get("error").getAsString()) : Optional.empty();
    } catch (JsonParseException | IllegalStateException | UnsupportedOperationException e) {
      return Optional.empty();
    }
  }

  private static IOException asIoException(ExecutionException e) {
    Throwable cause = e.getCause() instanceof UncheckedIOException u ? u.getCause() : e.getCause();
    return cause instanceof IOException io ? io : new IOException(describe(cause), cause);
  }

  /** A network failure in a few words: the JDK's exceptions often carry no message. */
  private static String describe(Throwable e) {
    Throwable t = e;
    while (t.getMessage() == null && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof java.nio.channels.UnresolvedAddressException || t instanceof java.net.UnknownHostException) {
      return "unknown host" + (t.getMessage() == null ? "" : " " + t.getMessage());
    }
    if ((t instanceof java.net.ConnectException || t instanceof java.nio.channels.ClosedChannelException)
        && t.getMessage() == null) {
      return "connection refused";
    }
    if (t instanceof java.net.http.HttpConnectTimeoutException) {
      return "connection timed out";
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? String.valueOf(d.toSeconds()) : String.valueOf(d.toMillis() / 1000.0);
  }

  private static boolean isRedirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  }

  private static boolean sameOrigin(URI a, URI b) {
    return Objects.equals(a.getScheme(), b.getScheme()) && Objects.equals(a.getHost(), b.getHost())
        && port(a) == port(b);
  }

  private static int port(URI u) {
    return u.getPort() >= 0 ? u.getPort() : "https".equals(u.getScheme()) ? 443 : 80;
  }

  private static long rangeStart(HttpHeaders headers) {
    Matcher m = CONTENT_RANGE.matcher(headers.firstValue("Content-Range").orElse(""));
    return m.matches() ? Long.parseLong(m.group(1)) : -1;
  }

  private static long parseSize(String value) {
    try {
      return Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** As huggingface_hub: weak-ETag marker and quotes removed. */
  static String normalizeEtag(String etag) {
    String e = etag.strip();
    if (e.startsWith("W/")) {
      e = e.substring(2);
    }
    return e.replaceAll("^\"|\"$", "");
  }

  /** A path segment percent-encoded as huggingface_hub's quote(…, safe="") does. */
  static String encode(String segment) {
    StringBuilder out = new StringBuilder();
    for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
        out.append(c);
      } else {
        out.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return "HubClient[" + settings + "]";
  }

  /**
   * Hands a body to its sink as it arrives (one buffer list at a time), remembers when bytes last came, and ends
   * the response with the sink's own error when writing fails.
   */
  private static final class Streaming implements HttpResponse.BodySubscriber<Void> {
    private final BodySink sink;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private volatile Flow.Subscription subscription;
    private volatile long lastActivity = System.nanoTime();

    Streaming(BodySink sink) {
      this.sink = sink;
    }

    @Override
    public CompletableFuture<Void> getBody() {
      return done;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
      if (done.isDone()) {
        return;
      }
      try {
        for (ByteBuffer b : buffers) {
          sink.write(b);
        }
      } catch (IOException | RuntimeException e) {
        subscription.cancel();
        done.completeExceptionally(e);
        return;
      }
      lastActivity = System.nanoTime();
      subscription.request(1);
    }

    @Override
    public void onError(Throwable t) {
      done.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      done.complete(null);
    }

    void abort() {
      Flow.Subscription s = subscription;
      if (s != null) {
        s.cancel();
      }
      done.completeExceptionally(new IOException("stalled"));
    }
  }
}
