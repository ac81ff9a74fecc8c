package io.memreason.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.hub.FakeHub.Request;
import io.memreason.hub.FakeHub.StoredFile;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Hub client and the cache it fills, against {@link FakeHub} on 127.0.0.1 (nothing reaches the internet). */
class SnapshotFetcherTest {
  private static final String TOKEN = "hf_memreasonTestToken0123456789SECRETabcdef";
  private static final Timing QUICK = new Timing(Duration.ofSeconds(5), Duration.ofMillis(800), 3, Duration.ZERO);
  private static final HubModelId MODEL = HubModelId.parse("hf:memreason/tiny");

  @TempDir
  Path home;

  private FakeHub hub;

  @BeforeEach
  void startHub() {
    hub = FakeHub.start();
  }

  @AfterEach
  void stopHub() {
    hub.close();
  }

  /** What a model repository typically holds: what serving needs, and pickles, docs and a subfolder it does not. */
  private static Map<String, byte[]> modelFiles(int weightBytes) {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(".gitattributes", text("*.safetensors filter=lfs diff=lfs merge=lfs -text\n"));
    files.put("README.md", text("# tiny\n"));
    files.put("config.json", text("{\"model_type\": \"llama\", \"hidden_size\": 64}"));
    files.put("generation_config.json", text("{\"do_sample\": false}"));
    files.put("tokenizer.json", text("{\"version\": \"1.0\"}"));
    files.put("tokenizer_config.json", text("{\"add_bos_token\": true}"));
    files.put("special_tokens_map.json", text("{\"bos_token\": \"<s>\"}"));
    files.put("model.safetensors", random(weightBytes, 1));
    files.put("pytorch_model.bin", random(4096, 2));
    files.put("original/consolidated.00.pth", random(4096, 3));
    files.put("original/params.json", text("{}"));
    return files;
  }

  private SnapshotFetcher fetcher(String token) {
    return fetcher(hub.settings(home, token));
  }

  private SnapshotFetcher anonymous() {
    return fetcher(hub.settings(home, null));
  }

  private static SnapshotFetcher fetcher(HubSettings settings) {
    return new SnapshotFetcher(settings, () -> DownloadProgress.logLines(Duration.ofMillis(1)), QUICK);
  }

  private Path cache() {
    return home.resolve("hub").resolve("models--memreason--tiny");
  }

  @Test
  void fetchesOnlyTheServingFilesIntoHuggingFaceHubsCacheLayout() throws IOException {
    String commit = hub.publish(MODEL.repo(), "main", modelFiles(200_000));

    Path snapshot = anonymous().fetch(MODEL);

    assertEquals(cache().resolve("snapshots").resolve(commit), snapshot);
    assertEquals(commit, Files.readString(cache().resolve("refs/main")), "refs/main holds the bare commit hash");
    try (Stream<Path> files = Files.list(snapshot)) {
      assertEquals(List.of("config.json", "generation_config.json", "model.safetensors", "special_tokens_map.json",
          "tokenizer.json", "tokenizer_config.json"), files.map(p -> p.getFileName().toString()).sorted().toList());
    }
    for (String name : List.of("config.json", "model.safetensors", "tokenizer.json")) {
      StoredFile stored = hub.file(MODEL.repo(), "main", name);
      Path link = snapshot.resolve(name);
      assertTrue(Files.isSymbolicLink(link), name + " is a link");
      assertEquals(Path.of("../../blobs/" + stored.etag()), Files.readSymbolicLink(link), name);
      assertArrayEquals(stored.bytes(), Files.readAllBytes(link));
    }
    assertEquals(hub.file(MODEL.repo(), "main", "model.safetensors").sha256(),
        hub.file(MODEL.repo(), "main", "model.safetensors").etag(), "an LFS blob is named by its sha256");
    try (Stream<Path> blobs = Files.list(cache().resolve("blobs"))) {
      assertTrue(blobs.noneMatch(p -> p.toString().endsWith(".incomplete")));
    }
    for (Request r : hub.requests()) {
      assertFalse(r.path().endsWith(".bin") || r.path().endsWith(".pth") || r.path().contains("original")
          || r.path().endsWith("README.md"), "never asked for " + r.path());
    }
  }

  @Test
  void sendsTheTokenToTheHubButNeverToTheCdnItRedirectsTo() {
    hub.publish(MODEL.repo(), "main", modelFiles(50_000));
    fetcher(TOKEN).fetch(MODEL);

    List<Request> cdn = hub.requests().stream().filter(r -> r.server().equals("cdn")).toList();
    assertEquals(1, cdn.size(), "one LFS file came from the CDN: " + cdn);
    assertTrue(cdn.get(0).header("Authorization").isEmpty(), "the CDN got the token: " + cdn.get(0));
    List<Request> toHub = hub.requests().stream().filter(r -> r.server().equals("hub")).toList();
    assertTrue(toHub.size() >= 7, "revision, HEADs and small files: " + toHub);
    toHub.forEach(r -> assertEquals(Optional.of("Bearer " + TOKEN), r.header("Authorization"), r.path()));
    assertTrue(toHub.stream().anyMatch(r -> r.method().equals("HEAD") && r.path().endsWith("/model.safetensors")),
        "the LFS file's metadata comes from a HEAD that does not follow the redirect");
  }

  @Test
  void fetchingAgainAsksTheHubOnlyForTheRevision() {
    hub.publish(MODEL.repo(), "main", modelFiles(50_000));
    Path first = anonymous().fetch(MODEL);
    hub.clearRequests();

    assertEquals(first, anonymous().fetch(MODEL));

    List<Request> again = hub.requests();
    assertEquals(1, again.size(), again.toString());
    assertEquals("/api/models/memreason/tiny/revision/main", again.get(0).path());
  }

  @Test
  void aBlobAnotherRevisionAlreadyBroughtIsLinkedNotDownloadedAgain() throws IOException {
    Map<String, byte[]> files = modelFiles(50_000);
    hub.publish(MODEL.repo(), "main", files);
    Path v1 = anonymous().fetch(MODEL);
    files.put("config.json", text("{\"model_type\": \"llama\", \"hidden_size\": 64, \"comment\": \"v2\"}"));
    String v2commit = hub.publish(MODEL.repo(), "v2", files);
    hub.clearRequests();

    Path v2 = anonymous().fetch(MODEL.at("v2"));

    assertTrue(v2.endsWith(v2commit));
    assertTrue(hub.requests().stream().noneMatch(r -> r.server().equals("cdn")), "the weights were downloaded again");
    assertEquals(v1.resolve("model.safetensors").toRealPath().toString(),
        uncheckedReal(v2.resolve("model.safetensors")), "both snapshots link the same blob");
  }

  @Test
  void resumesATransferCutHalfwayWithARangeRequest() throws IOException {
    hub.publish(MODEL.repo(), "main", modelFiles(300_000));
    StoredFile weights = hub.file(MODEL.repo(), "main", "model.safetensors");
    hub.cutOnce(weights, 120_000);

    try (CapturedLogs logs = new CapturedLogs()) {
      Path snapshot = anonymous().fetch(MODEL);
      assertArrayEquals(weights.bytes(), Files.readAllBytes(snapshot.resolve("model.safetensors")));
      assertTrue(logs.text().contains("trying again, resuming there"), logs.text());
    }
    List<Request> cdn = hub.requests().stream().filter(r -> r.server().equals("cdn")).toList();
    assertEquals(2, cdn.size(), cdn.toString());
    assertTrue(cdn.get(0).header("Range").isEmpty());
    long resumedAt = Long.parseLong(cdn.get(1).header("Range").orElseThrow().replaceAll("bytes=(\\d+)-", "$1"));
    assertTrue(resumedAt > 0 && resumedAt <= 120_000, "resumed at " + resumedAt + ", after what the cut left");
  }

  @Test
  void cutsAStalledTransferAndResumesIt() throws IOException {
    hub.publish(MODEL.repo(), "main", modelFiles(300_000));
    StoredFile weights = hub.file(MODEL.repo(), "main", "model.safetensors");
    hub.stallOnce(weights, 100_000);

    Path snapshot = anonymous().fetch(MODEL);

    assertArrayEquals(weights.bytes(), Files.readAllBytes(snapshot.resolve("model.safetensors")));
    List<Request> cdn = hub.requests().stream().filter(r -> r.server().equals("cdn")).toList();
    assertEquals(2, cdn.size(), cdn.toString());
    assertTrue(cdn.get(1).header("Range").orElseThrow().startsWith("bytes="), cdn.toString());
  }

  @Test
  void keepsTheIncompleteFileOfAFailedDownloadAndTheNextRunResumesIt() throws IOException {
    hub.publish(MODEL.repo(), "main", modelFiles(300_000));
    StoredFile weights = hub.file(MODEL.repo(), "main", "model.safetensors");
    HubSettings settings = hub.settings(home, null);
    SnapshotFetcher once = new SnapshotFetcher(settings, () -> DownloadProgress.logLines(Duration.ofSeconds(1)),
        new Timing(Duration.ofSeconds(5), Duration.ofSeconds(5), 1, Duration.ZERO));
    hub.cutOnce(weights, 150_000);

    HubException failed = assertThrows(HubException.class, () -> once.fetch(MODEL));
    assertEquals(HubException.Kind.UNREACHABLE, failed.kind());
    assertTrue(failed.getMessage().contains("run the command again to resume it"), failed.getMessage());
    Path incomplete = cache().resolve("blobs").resolve(weights.sha256() + ".incomplete");
    long kept = Files.size(incomplete);
    assertTrue(kept > 0 && kept <= 150_000, "kept " + kept);
    assertFalse(Files.exists(cache().resolve("blobs").resolve(weights.sha256())));
    hub.clearRequests();

    Path snapshot = anonymous().fetch(MODEL);

    assertArrayEquals(weights.bytes(), Files.readAllBytes(snapshot.resolve("model.safetensors")));
    assertFalse(Files.exists(incomplete));
    Request resumed = hub.requests().stream().filter(r -> r.server().equals("cdn")).findFirst().orElseThrow();
    assertEquals(Optional.of("bytes=" + kept + "-"), resumed.header("Range"));
  }

  @Test
  void deletesABlobWhoseBytesDoNotMatchItsEtagAndFails() {
    hub.publish(MODEL.repo(), "main", modelFiles(100_000));
    StoredFile weights = hub.file(MODEL.repo(), "main", "model.safetensors");
    hub.corrupt(weights);

    HubException e = assertThrows(HubException.class, () -> anonymous().fetch(MODEL));

    assertEquals(HubException.Kind.CORRUPT_DOWNLOAD, e.kind());
    assertTrue(e.getMessage().startsWith("the download of model.safetensors of hf:memreason/tiny@"), e.getMessage());
    assertTrue(e.getMessage().contains("not its ETag " + weights.sha256()), e.getMessage());
    assertFalse(Files.exists(cache().resolve("blobs").resolve(weights.sha256())));
    assertFalse(Files.exists(cache().resolve("blobs").resolve(weights.sha256() + ".incomplete")));
    assertTrue(cache().resolve("snapshots").toFile().list().length == 1);
    Path snapshot = cache().resolve("snapshots").toFile().listFiles()[0].toPath();
    assertFalse(Files.exists(snapshot.resolve("model.safetensors"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void aShardedCheckpointBringsItsIndexAndTheShardsItNamesOnly() throws IOException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("config.json", text("{\"model_type\": \"llama\"}"));
    files.put("tokenizer.json", text("{}"));
    files.put("model-00001-of-00002.safetensors", random(40_000, 4));
    files.put("model-00002-of-00002.safetensors", random(30_000, 5));
    files.put("model.safetensors.index.json", text("{\"metadata\": {\"total_size\": 70000}, \"weight_map\": {"
        + "\"model.embed_tokens.weight\": \"model-00001-of-00002.safetensors\","
        + "\"model.norm.weight\": \"model-00002-of-00002.safetensors\","
        + "\"lm_head.weight\": \"model-00002-of-00002.safetensors\"}}"));
    files.put("consolidated.safetensors", random(70_000, 6));
    hub.publish(MODEL.repo(), "main", files);

    Path snapshot = anonymous().fetch(MODEL);

    try (Stream<Path> listed = Files.list(snapshot)) {
      assertEquals(List.of("config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
          "model.safetensors.index.json", "tokenizer.json"),
          listed.map(p -> p.getFileName().toString()).sorted().toList());
    }
    assertTrue(hub.requests().stream().noneMatch(r -> r.path().contains("consolidated")),
        "a file the index does not name is not downloaded");
  }

  @Test
  void aRepositoryWithPickleWeightsOnlyIsRefusedWithoutDownloadingThem() {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("config.json", text("{\"model_type\": \"llama\"}"));
    files.put("tokenizer.json", text("{}"));
    files.put("pytorch_model.bin", random(8_000, 7));
    hub.publish("memreason/pickles", "main", files);

    HubException e = assertThrows(HubException.class, () -> anonymous().fetch(HubModelId.parse("hf:memreason/pickles")));

    assertEquals(HubException.Kind.NO_SAFETENSORS, e.kind());
    assertTrue(e.getMessage().startsWith("no safetensors weights in memreason/pickles@main"), e.getMessage());
    assertTrue(e.getMessage().contains("pytorch_model.bin"), e.getMessage());
    assertTrue(hub.requests().stream().allMatch(r -> r.path().startsWith("/api/")), hub.requests().toString());
  }

  @Test
  void aGatedRepositorySaysToAcceptItsLicenceAndSetHfToken() {
    hub.publish("meta-llama/Gated-1B", "main", modelFiles(20_000));
    hub.gate("meta-llama/Gated-1B", TOKEN);
    HubModelId gated = HubModelId.parse("hf:meta-llama/Gated-1B");

    HubException anonymous = assertThrows(HubException.class, () -> anonymous().fetch(gated));
    assertEquals(HubException.Kind.ACCESS_DENIED, anonymous.kind());
    assertTrue(anonymous.getMessage().startsWith("meta-llama/Gated-1B is gated (HTTP 401: "), anonymous.getMessage());
    assertTrue(anonymous.getMessage().endsWith("accept its licence on the Hub and set HF_TOKEN"), anonymous.getMessage());

    HubException wrongToken = assertThrows(HubException.class, () -> fetcher("hf_someoneElsesToken").fetch(gated));
    assertTrue(wrongToken.getMessage().startsWith("meta-llama/Gated-1B is gated (HTTP 403: "), wrongToken.getMessage());
    assertTrue(wrongToken.getMessage().contains("accept its licence on the Hub and set HF_TOKEN (the token sent has "
        + "no access to it)"), wrongToken.getMessage());
    assertFalse(wrongToken.getMessage().contains("hf_someoneElsesToken"), "the echoed token is masked");

    assertTrue(Files.isDirectory(fetcher(TOKEN).fetch(gated)));
  }

  @Test
  void aPrivateRepositoryWithoutTokenIsOneLineNamingIt() {
    hub.publish("memreason/private", "main", modelFiles(20_000));
    hub.makePrivate("memreason/private", TOKEN);

    HubException e = assertThrows(HubException.class, () -> anonymous().fetch(HubModelId.parse("hf:memreason/private")));

    assertEquals(HubException.Kind.ACCESS_DENIED, e.kind());
    assertTrue(e.getMessage().startsWith("memreason/private was not found, or it is private or gated (HTTP 401"),
        e.getMessage());
    assertTrue(e.getMessage().endsWith("accept its licence on the Hub and set HF_TOKEN"), e.getMessage());
    assertTrue(Files.isDirectory(fetcher(TOKEN).fetch(HubModelId.parse("hf:memreason/private"))));
  }

  @Test
  void aMissingRepositoryRevisionAndFileAreToldApart() {
    hub.publish(MODEL.repo(), "main", modelFiles(20_000));

    HubException repo = assertThrows(HubException.class, () -> anonymous().fetch(HubModelId.parse("hf:memreason/nope")));
    assertEquals(HubException.Kind.REPOSITORY_NOT_FOUND, repo.kind());
    assertEquals("no repository memreason/nope on " + hub.endpoint() + " (HTTP 404: Repository Not Found); a private "
        + "one needs HF_TOKEN", repo.getMessage());

    HubException revision = assertThrows(HubException.class, () -> anonymous().fetch(MODEL.at("v9")));
    assertEquals(HubException.Kind.REVISION_NOT_FOUND, revision.kind());
    assertEquals("memreason/tiny has no revision 'v9' (HTTP 404: Revision Not Found): name a branch, tag or commit "
        + "of it", revision.getMessage());

    hub.hide("tokenizer.json");
    HubException file = assertThrows(HubException.class, () -> anonymous().fetch(MODEL));
    assertEquals(HubException.Kind.FILE_NOT_FOUND, file.kind());
    assertTrue(file.getMessage().startsWith("memreason/tiny@"), file.getMessage());
    assertTrue(file.getMessage().endsWith(" has no file 'tokenizer.json' (HTTP 404: Entry Not Found)"), file.getMessage());
  }

  @Test
  void offlineTheCachedSnapshotServesWithoutAnyRequest() {
    String commit = hub.publish(MODEL.repo(), "main", modelFiles(20_000));
    Path fetched = anonymous().fetch(MODEL);
    hub.clearRequests();
    HubSettings offline = new HubSettings(hub.endpoint(), home, Optional.empty(), true);

    assertEquals(fetched, fetcher(offline).fetch(MODEL));
    assertEquals(fetched, fetcher(offline).fetch(MODEL.at(commit)), "a commit needs no ref");
    assertEquals(List.of(), hub.requests());

    HubException missing = assertThrows(HubException.class, () -> fetcher(offline).fetch(MODEL.at("v2")));
    assertEquals(HubException.Kind.NOT_CACHED, missing.kind());
    assertEquals("hf:memreason/tiny@v2 is not in the cache " + cache() + " and HF_HUB_OFFLINE is set: fetch it first "
        + "with `memreason fetch-model hf:memreason/tiny@v2` where the Hub can be reached", missing.getMessage());
    assertEquals(List.of(), hub.requests());
  }

  @Test
  void offlineASnapshotMissingAShardIsNotTakenForAModel() throws IOException {
    hub.publish(MODEL.repo(), "main", modelFiles(20_000));
    Path fetched = anonymous().fetch(MODEL);
    Files.delete(fetched.resolve("model.safetensors"));

    HubException e = assertThrows(HubException.class,
        () -> fetcher(new HubSettings(hub.endpoint(), home, Optional.empty(), true)).fetch(MODEL));

    assertTrue(e.getMessage().startsWith("hf:memreason/tiny@main is only in part (safetensors weights missing in "),
        e.getMessage());
  }

  @Test
  void anUnreachableHubServesTheCachedSnapshotAndOtherwiseSaysItCannotReachIt() throws IOException {
    hub.publish(MODEL.repo(), "main", modelFiles(20_000));
    Path fetched = anonymous().fetch(MODEL);
    URI dead = deadEndpoint();
    HubSettings unreachable = new HubSettings(dead, home, Optional.empty(), false);

    try (CapturedLogs logs = new CapturedLogs()) {
      assertEquals(fetched, fetcher(unreachable).fetch(MODEL));
      assertTrue(logs.text().contains("serving hf:memreason/tiny@main from the cache"), logs.text());
    }
    HubException e = assertThrows(HubException.class, () -> fetcher(unreachable).fetch(MODEL.at("v2")));
    assertEquals(HubException.Kind.UNREACHABLE, e.kind());
    assertTrue(e.getMessage().startsWith("cannot reach the Hub at " + dead + " ("), e.getMessage());
    assertTrue(e.getMessage().endsWith("): check the network or HF_ENDPOINT; HF_HUB_OFFLINE=1 uses the cache only"),
        e.getMessage());
    assertEquals(1, e.getMessage().lines().count());
  }

  @Test
  void theSavedLoginInHfHomeIsTheTokenWhenNoneIsGiven() throws IOException {
    hub.publish("meta-llama/Gated-1B", "main", modelFiles(20_000));
    hub.gate("meta-llama/Gated-1B", TOKEN);
    Files.writeString(home.resolve("token"), TOKEN + "\n");

    assertTrue(Files.isDirectory(anonymous().fetch(HubModelId.parse("hf:meta-llama/Gated-1B"))));
  }

  @Test
  void reusesASnapshotThatPythonLaidOut() throws IOException {
    Map<String, byte[]> files = modelFiles(20_000);
    String commit = hub.publish(MODEL.repo(), "main", files);
    // As huggingface_hub leaves it: blobs named by etag, relative links, refs/main, and a .no_exist marker folder.
    Path snapshot = cache().resolve("snapshots").resolve(commit);
    Files.createDirectories(snapshot);
    Files.createDirectories(cache().resolve("blobs"));
    Files.createDirectories(cache().resolve(".no_exist").resolve(commit));
    Files.createDirectories(cache().resolve("refs"));
    Files.writeString(cache().resolve("refs/main"), commit);
    for (String name : List.of("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
        "special_tokens_map.json", "model.safetensors", "pytorch_model.bin")) {
      StoredFile f = hub.file(MODEL.repo(), "main", name);
      Files.write(cache().resolve("blobs").resolve(f.etag()), f.bytes());
      Files.createSymbolicLink(snapshot.resolve(name), Path.of("../../blobs/" + f.etag()));
    }

    assertEquals(snapshot, anonymous().fetch(MODEL));
    assertEquals(1, hub.requests().size(), "only the revision was asked for: " + hub.requests());
  }

  @Test
  void aServerWithoutRepoCommitHeadersIsNoHub() {
    hub.publish(MODEL.repo(), "main", modelFiles(20_000));
    hub.misbehave(FakeHub.Misbehaviour.NO_REPO_COMMIT);

    HubException e = assertThrows(HubException.class, () -> anonymous().fetch(MODEL));

    assertEquals(HubException.Kind.BAD_RESPONSE, e.kind());
    assertTrue(e.getMessage().startsWith(hub.endpoint() + " does not seem to be a Hugging Face Hub endpoint (it sent "
        + "no X-Repo-Commit header"), e.getMessage());
  }

  @Test
  void anEtagThatWouldLeaveTheBlobsFolderIsRefused() throws IOException {
    hub.publish(MODEL.repo(), "main", modelFiles(20_000));
    hub.misbehave(FakeHub.Misbehaviour.ETAG_CLIMBS_OUT);

    HubException e = assertThrows(HubException.class, () -> anonymous().fetch(MODEL));

    assertTrue(e.getMessage().contains("an unusable ETag '../../../../outside'"), e.getMessage());
    try (Stream<Path> everything = Files.walk(home)) {
      assertTrue(everything.noneMatch(p -> p.getFileName().toString().startsWith("outside")));
    }
  }

  @Test
  void theTokenAppearsInNoLogLineMessageOrDescription() throws IOException {
    hub.publish(MODEL.repo(), "main", modelFiles(200_000));
    hub.publish("meta-llama/Gated-1B", "main", modelFiles(20_000));
    hub.gate("meta-llama/Gated-1B", "hf_theRightOneNotThisOne");
    hub.cutOnce(hub.file(MODEL.repo(), "main", "model.safetensors"), 50_000);
    StringBuilder seen = new StringBuilder();
    try (CapturedLogs logs = new CapturedLogs()) {
      SnapshotFetcher fetcher = fetcher(TOKEN);
      fetcher.fetch(MODEL);
      HubException refused = assertThrows(HubException.class, () -> fetcher.fetch(HubModelId.parse("hf:meta-llama/Gated-1B")));
      for (Throwable t = refused; t != null; t = t.getCause()) {
        seen.append(t).append('\n');
      }
      HubSettings offline = new HubSettings(deadEndpoint(), home, Optional.of(TOKEN), false);
      HubException unreachable = assertThrows(HubException.class, () -> fetcher(offline).fetch(MODEL.at("v3")));
      for (Throwable t = unreachable; t != null; t = t.getCause()) {
        seen.append(t).append('\n');
      }
      seen.append(hub.settings(home, TOKEN)).append('\n').append(fetcher).append('\n')
          .append(new HubClient(hub.settings(home, TOKEN), QUICK)).append('\n');
      seen.append(logs.text());
      assertTrue(logs.text().contains("trying again"), "the run logged its retry: " + logs.text());
      assertTrue(refused.getMessage().contains("(sent Bearer ******)"), refused.getMessage());
    }
    assertFalse(seen.toString().contains(TOKEN), seen.toString());
    assertTrue(hub.requests().stream().anyMatch(r -> r.header("Authorization").orElse("").contains(TOKEN)),
        "the token was sent to the Hub");
  }

  /** An address where nothing listens: a port bound and released. */
  private static URI deadEndpoint() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return URI.create("http://127.0.0.1:" + s.getLocalPort());
    }
  }

  private static String uncheckedReal(Path p) {
    try {
      return p.toRealPath().toString();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] text(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }
}
