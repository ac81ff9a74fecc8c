package io.memreason.hub;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A stand-in for the Hugging Face Hub on 127.0.0.1 that speaks its file API with the real response shapes and
 * headers: {@code /api/models/{repo}/revision/{rev}} (sha, siblings), {@code /api/models/{repo}/tree/{rev}} (paged
 * with {@code Link: rel="next"}), {@code HEAD}/{@code GET /{repo}/resolve/{rev}/{file}} with {@code X-Repo-Commit},
 * {@code ETag} (git blob id) for small files and a 302 to a CDN with {@code X-Linked-Etag} (sha256) and
 * {@code X-Linked-Size} for LFS files, errors with {@code X-Error-Code} / {@code X-Error-Message}. The CDN is a second
 * server on {@code localhost} (another origin: a client must not send it the token), with Range support. Faults on
 * demand: a transfer cut halfway, a stalled transfer, a blob whose bytes do not match its ETag, gated and private
 * repositories, a listed file that is missing. Every request is recorded.
 */
public final class FakeHub implements AutoCloseable {
  private static final Pattern API = Pattern.compile("/api/models/([^/]+/[^/]+)/(revision|tree)/([^/]+)");
  private static final Pattern RESOLVE = Pattern.compile("/([^/]+/[^/]+)/resolve/([^/]+)/(.+)");
  private static final Pattern CDN = Pattern.compile("/cdn-lfs/([0-9a-f]{64})");
  private static final Set<String> LFS_SUFFIXES = Set.of(".safetensors", ".bin", ".pt", ".pth");
  private static final int TREE_PAGE = 3;

  /** Ways a server that is no real Hub (or a hostile one) answers. */
  public enum Misbehaviour {
    /** HEAD answers lack X-Repo-Commit, as a plain web server's do. */
    NO_REPO_COMMIT,
    /** LFS files' ETags name a path outside the cache's blobs folder. */
    ETAG_CLIMBS_OUT
  }

  /** One request as the server saw it. */
  public record Request(String server, String method, String path, Map<String, String> headers) {
    public Optional<String> header(String name) {
      return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
    }
  }

  /** A file at a commit. */
  public record StoredFile(String path, byte[] bytes, boolean lfs) {
    public String gitBlobId() {
      return hex("SHA-1", concat(("blob " + bytes.length + "\0").getBytes(StandardCharsets.UTF_8), bytes));
    }

    public String sha256() {
      return hex("SHA-256", bytes);
    }

    /** The blob's name in huggingface_hub's cache. */
    public String etag() {
      return lfs ? sha256() : gitBlobId();
    }

    /** What git stores for an LFS file: its pointer. */
    String pointer() {
      return "version https://git-lfs.github.com/spec/v1\noid sha256:" + sha256() + "\nsize " + bytes.length + "\n";
    }
  }

  private static final class Repo {
    final Map<String, String> refs = new ConcurrentHashMap<>();
    final Map<String, Map<String, StoredFile>> commits = new ConcurrentHashMap<>();
    volatile String gatedToken;
    volatile String privateToken;
  }

  private final HttpServer hub;
  private final ServerSocket cdn;
  private final Map<String, Repo> repos = new ConcurrentHashMap<>();
  private final Map<String, StoredFile> blobs = new ConcurrentHashMap<>();
  private final Map<String, Long> cutOnce = new ConcurrentHashMap<>();
  private final Map<String, Long> stallOnce = new ConcurrentHashMap<>();
  private final Set<String> corrupt = ConcurrentHashMap.newKeySet();
  private final Set<String> hidden = ConcurrentHashMap.newKeySet();
  private final Set<Misbehaviour> misbehaviours = ConcurrentHashMap.newKeySet();
  private final List<Request> requests = new CopyOnWriteArrayList<>();

  private FakeHub() throws IOException {
    hub = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    hub.createContext("/", this::hub);
    hub.setExecutor(Executors.newCachedThreadPool(FakeHub::daemon));
    hub.start();
    // The CDN speaks HTTP/1.1 on a plain socket, so that it can hang up in the middle of a body.
    cdn = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    daemon(this::acceptCdnConnections).start();
  }

  private static Thread daemon(Runnable r) {
    Thread t = new Thread(r, "fake-hub");
    t.setDaemon(true);
    return t;
  }

  public static FakeHub start() {
    try {
      return new FakeHub();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The Hub's address: {@code http://127.0.0.1:PORT}. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + hub.getAddress().getPort());
  }

  /** Settings that use this Hub and a cache in {@code home}. */
  public HubSettings settings(Path home, String token) {
    return new HubSettings(endpoint(), home, Optional.ofNullable(token), false);
  }

  /**
   * A new commit of {@code repo} with these files (path → bytes), which {@code branch} then points at; safetensors
   * and pickle files are stored in LFS as on the real Hub. Returns the commit hash.
   */
  public String publish(String repo, String branch, Map<String, byte[]> files) {
    Map<String, StoredFile> stored = new TreeMap<>();
    files.forEach((path, bytes) -> {
      boolean lfs = LFS_SUFFIXES.stream().anyMatch(path::endsWith);
      StoredFile f = new StoredFile(path, bytes, lfs);
      stored.put(path, f);
      if (lfs) {
        blobs.put(f.sha256(), f);
      }
    });
    StringBuilder tree = new StringBuilder(repo);
    stored.values().forEach(f -> tree.append('\n').append(f.path()).append(' ').append(f.gitBlobId()));
    Repo r = repos.computeIfAbsent(repo, k -> new Repo());
    tree.append('\n').append(r.commits.size());
    String commit = hex("SHA-1", tree.toString().getBytes(StandardCharsets.UTF_8));
    r.commits.put(commit, stored);
    r.refs.put(branch, commit);
    return commit;
  }

  /** Publishes every file of a folder (not its subfolders) on {@code main}. */
  public String publishFolder(String repo, Path folder, Map<String, byte[]> extra) {
    Map<String, byte[]> files = new LinkedHashMap<>();
    try (Stream<Path> listed = Files.list(folder)) {
      for (Path p : listed.filter(Files::isRegularFile).toList()) {
        files.put(p.getFileName().toString(), Files.readAllBytes(p));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    files.putAll(extra);
    return publish(repo, "main", files);
  }

  /** The repository's API metadata stays public, its files need this token (401 without, 403 with another). */
  public void gate(String repo, String token) {
    repos.get(repo).gatedToken = token;
  }

  /** Nothing of the repository is visible without this token (401, as for a missing repository). */
  public void makePrivate(String repo, String token) {
    repos.get(repo).privateToken = token;
  }

  /** The first CDN transfer of this file's blob sends {@code bytes} bytes of its body and then drops the connection. */
  public void cutOnce(StoredFile file, long bytes) {
    cutOnce.put(file.sha256(), bytes);
  }

  /** The first CDN transfer of this blob sends {@code bytes} bytes and then goes silent (until the client hangs up). */
  public void stallOnce(StoredFile file, long bytes) {
    stallOnce.put(file.sha256(), bytes);
  }

  /** The CDN serves this blob with one byte changed, so its bytes no longer match its ETag. */
  public void corrupt(StoredFile file) {
    corrupt.add(file.sha256());
  }

  /** The file stays in the listings but HEAD and GET answer 404 Entry Not Found (it was removed meanwhile). */
  public void hide(String path) {
    hidden.add(path);
  }

  public void misbehave(Misbehaviour m) {
    misbehaviours.add(m);
  }

  public StoredFile file(String repo, String revision, String path) {
    Repo r = repos.get(repo);
    return r.commits.get(r.refs.getOrDefault(revision, revision)).get(path);
  }

  public List<Request> requests() {
    return List.copyOf(requests);
  }

  public void clearRequests() {
    requests.clear();
  }

  @Override
  public void close() {
    hub.stop(0);
    try {
      cdn.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void record(String server, HttpExchange ex) {
    Map<String, String> headers = new TreeMap<>();
    ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
    requests.add(new Request(server, ex.getRequestMethod(), ex.getRequestURI().getRawPath(), headers));
  }

  private void hub(HttpExchange ex) throws IOException {
    try (ex) {
      record("hub", ex);
      String path = ex.getRequestURI().getRawPath();
      Matcher api = API.matcher(path);
      Matcher resolve = RESOLVE.matcher(path);
      if (api.matches()) {
        Optional<Target> target = target(ex, api.group(1), decode(api.group(3)));
        if (target.isPresent()) {
          answerApi(ex, target.get(), api.group(2).equals("tree"));
        }
      } else if (resolve.matches()) {
        Optional<Target> target = target(ex, resolve.group(1), decode(resolve.group(2)));
        if (target.isPresent()) {
          answerResolve(ex, target.get(), decode(resolve.group(3)));
        }
      } else {
        error(ex, 404, "", "Not Found");
      }
    }
  }

  /** A repository at a commit, as a request names it. */
  private record Target(String repoId, Repo repo, String commit, Map<String, StoredFile> files) {}

  /** What the request names, or empty once the error the real Hub gives (no repository, no revision) is sent. */
  private Optional<Target> target(HttpExchange ex, String repoId, String revision) throws IOException {
    Repo repo = visible(ex, repoId);
    if (repo == null) {
      return Optional.empty();
    }
    String commit = repo.refs.getOrDefault(revision, revision);
    Map<String, StoredFile> files = repo.commits.get(commit);
    if (files == null) {
      error(ex, 404, "RevisionNotFound", "Revision Not Found");
      return Optional.empty();
    }
    return Optional.of(new Target(repoId, repo, commit, files));
  }

  private void answerApi(HttpExchange ex, Target target, boolean tree) throws IOException {
    String repoId = target.repoId();
    Repo repo = target.repo();
    String commit = target.commit();
    Map<String, StoredFile> files = target.files();
    if (!tree) {
      JsonObject info = new JsonObject();
      info.addProperty("_id", commit.substring(0, 24));
      info.addProperty("id", repoId);
      info.addProperty("modelId", repoId);
      info.addProperty("author", repoId.split("/")[0]);
      info.addProperty("sha", commit);
      info.addProperty("lastModified", "2026-11-30T12:00:00.000Z");
      info.addProperty("private", repo.privateToken != null);
      if (repo.gatedToken != null) {
        info.addProperty("gated", "manual");
      } else {
        info.addProperty("gated", false);
      }
      info.addProperty("disabled", false);
      info.addProperty("library_name", "transformers");
      info.add("tags", new JsonArray());
      JsonArray siblings = new JsonArray();
      files.keySet().forEach(p -> {
        JsonObject s = new JsonObject();
        s.addProperty("rfilename", p);
        siblings.add(s);
      });
      info.add("siblings", siblings);
      json(ex, 200, info.toString(), Map.of());
      return;
    }
    List<StoredFile> all = new ArrayList<>(files.values());
    String query = Optional.ofNullable(ex.getRequestURI().getRawQuery()).orElse("");
    Matcher cursor = Pattern.compile("cursor=(\\d+)").matcher(query);
    int from = cursor.find() ? Integer.parseInt(cursor.group(1)) : 0;
    JsonArray page = new JsonArray();
    for (StoredFile f : all.subList(from, Math.min(all.size(), from + TREE_PAGE))) {
      JsonObject entry = new JsonObject();
      entry.addProperty("type", "file");
      entry.addProperty("oid", f.lfs() ? new StoredFile(f.path(), f.pointer().getBytes(StandardCharsets.UTF_8),
          false).gitBlobId() : f.gitBlobId());
      entry.addProperty("size", f.bytes().length);
      entry.addProperty("path", f.path());
      if (f.lfs()) {
        JsonObject lfs = new JsonObject();
        lfs.addProperty("oid", f.sha256());
        lfs.addProperty("size", f.bytes().length);
        lfs.addProperty("pointerSize", f.pointer().length());
        entry.add("lfs", lfs);
      }
      page.add(entry);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    if (from + TREE_PAGE < all.size()) {
      headers.put("Link", "<" + endpoint() + "/api/models/" + repoId + "/tree/" + commit
          + "?recursive=true&expand=false&cursor=" + (from + TREE_PAGE) + ">; rel=\"next\"");
    }
    json(ex, 200, page.toString(), headers);
  }

  private void answerResolve(HttpExchange ex, Target target, String path) throws IOException {
    String repoId = target.repoId();
    Repo repo = target.repo();
    String commit = target.commit();
    Map<String, StoredFile> files = target.files();
    if (repo.gatedToken != null && !authorized(ex, repo.gatedToken)) {
      boolean anonymous = ex.getRequestHeaders().getFirst("Authorization") == null;
      // The real message names the repository; this one also echoes what it was sent, which a client must not log.
      error(ex, anonymous ? 401 : 403, "GatedRepo", anonymous
          ? "Access to model " + repoId + " is restricted. You must have access to it and be authenticated to access it. Please log in."
          : "Access to model " + repoId + " is restricted and you are not in the authorized list (sent "
              + ex.getRequestHeaders().getFirst("Authorization") + "). Visit " + endpoint() + "/" + repoId + " to ask for access.");
      return;
    }
    StoredFile file = files.get(path);
    if (file == null || hidden.contains(path)) {
      error(ex, 404, "EntryNotFound", "Entry Not Found");
      return;
    }
    if (!misbehaviours.contains(Misbehaviour.NO_REPO_COMMIT)) {
      ex.getResponseHeaders().set("X-Repo-Commit", commit);
    }
    ex.getResponseHeaders().set("Accept-Ranges", "bytes");
    if (file.lfs()) {
      ex.getResponseHeaders().set("ETag", "\"" + new StoredFile(path, file.pointer().getBytes(StandardCharsets.UTF_8),
          false).gitBlobId() + "\"");
      ex.getResponseHeaders().set("X-Linked-Etag", misbehaviours.contains(Misbehaviour.ETAG_CLIMBS_OUT)
          ? "\"../../../../outside\"" : "\"" + file.sha256() + "\"");
      ex.getResponseHeaders().set("X-Linked-Size", String.valueOf(file.bytes().length));
      ex.getResponseHeaders().set("Location", "http://localhost:" + cdn.getLocalPort() + "/cdn-lfs/"
          + file.sha256() + "?X-Amz-Signature=fake&response-content-disposition=attachment");
      ex.sendResponseHeaders(302, -1);
      return;
    }
    ex.getResponseHeaders().set("ETag", "\"" + file.gitBlobId() + "\"");
    body(ex, file.bytes(), ex.getRequestMethod().equals("HEAD"));
  }

  private void acceptCdnConnections() {
    while (!cdn.isClosed()) {
      try {
        Socket socket = cdn.accept();
        daemon(() -> serveCdn(socket)).start();
      } catch (IOException e) {
        return;
      }
    }
  }

  /** One request per connection: GET /cdn-lfs/<sha256> with an optional Range, answered and then closed. */
  private void serveCdn(Socket socket) {
    try (socket) {
      BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
      String[] requestLine = Optional.ofNullable(in.readLine()).orElse("").split(" ");
      Map<String, String> headers = new TreeMap<>();
      for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
        int colon = line.indexOf(':');
        headers.put(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
      }
      String path = requestLine.length > 1 ? URI.create(requestLine[1]).getRawPath() : "";
      requests.add(new Request("cdn", requestLine[0], path, headers));
      OutputStream out = socket.getOutputStream();
      Matcher m = CDN.matcher(path);
      StoredFile file = m.matches() ? blobs.get(m.group(1)) : null;
      if (file == null) {
        out.write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        return;
      }
      byte[] bytes = file.bytes();
      if (corrupt.contains(file.sha256())) {
        bytes = bytes.clone();
        bytes[bytes.length / 2] ^= 1;
      }
      Matcher range = Pattern.compile("bytes=(\\d+)-").matcher(headers.getOrDefault("range", ""));
      int start = range.matches() ? Integer.parseInt(range.group(1)) : 0;
      StringBuilder head = new StringBuilder(start > 0 ? "HTTP/1.1 206 Partial Content\r\n" : "HTTP/1.1 200 OK\r\n");
      if (start > 0) {
        head.append("Content-Range: bytes ").append(start).append('-').append(bytes.length - 1).append('/')
            .append(bytes.length).append("\r\n");
      }
      head.append("Content-Length: ").append(bytes.length - start).append("\r\n")
          .append("ETag: \"").append(file.sha256()).append("\"\r\n")
          .append("Accept-Ranges: bytes\r\nConnection: close\r\n\r\n");
      out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      Long cut = cutOnce.remove(file.sha256());
      Long stall = stallOnce.remove(file.sha256());
      long upTo = cut != null ? cut : stall != null ? stall : Long.MAX_VALUE;
      out.write(bytes, start, (int) Math.min(bytes.length - start, upTo));
      out.flush();
      if (stall != null) {
        Thread.sleep(5_000);
      }
      // With a cut or a stall, closing here leaves the body short of its Content-Length: the client sees the
      // connection drop mid-transfer.
    } catch (IOException e) {
      // The client hung up first.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Repo visible(HttpExchange ex, String repoId) throws IOException {
    Repo repo = repos.get(repoId);
    if (repo != null && repo.privateToken != null && !authorized(ex, repo.privateToken)) {
      error(ex, 401, "RepoNotFound", "Repository not found");
      return null;
    }
    if (repo == null) {
      error(ex, 404, "RepoNotFound", "Repository Not Found");
    }
    return repo;
  }

  private static boolean authorized(HttpExchange ex, String token) {
    return ("Bearer " + token).equals(ex.getRequestHeaders().getFirst("Authorization"));
  }

  private static long rangeStart(HttpExchange ex) {
    String range = ex.getRequestHeaders().getFirst("Range");
    if (range == null) {
      return 0;
    }
    Matcher m = Pattern.compile("bytes=(\\d+)-").matcher(range);
    return m.matches() ? Long.parseLong(m.group(1)) : 0;
  }

  private static void body(HttpExchange ex, byte[] bytes, boolean head) throws IOException {
    long start = rangeStart(ex);
    byte[] rest = Arrays.copyOfRange(bytes, (int) Math.min(start, bytes.length), bytes.length);
    if (head) {
      ex.getResponseHeaders().set("Content-Length", String.valueOf(bytes.length));
      ex.sendResponseHeaders(200, -1);
      return;
    }
    if (start > 0) {
      ex.getResponseHeaders().set("Content-Range", "bytes " + start + "-" + (bytes.length - 1) + "/" + bytes.length);
    }
    ex.sendResponseHeaders(start > 0 ? 206 : 200, rest.length == 0 ? -1 : rest.length);
    ex.getResponseBody().write(rest);
  }

  private static void json(HttpExchange ex, int status, String body, Map<String, String> headers) throws IOException {
    headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
    ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(status, bytes.length);
    ex.getResponseBody().write(bytes);
  }

  private static void error(HttpExchange ex, int status, String code, String message) throws IOException {
    if (!code.isEmpty()) {
      ex.getResponseHeaders().set("X-Error-Code", code);
    }
    ex.getResponseHeaders().set("X-Error-Message", message);
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.sendResponseHeaders(status, -1);
      return;
    }
    JsonObject o = new JsonObject();
    o.addProperty("error", message);
    json(ex, status, o.toString(), Map.of());
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  static String hex(String algorithm, byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
