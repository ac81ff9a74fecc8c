package io.memreason.registry;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import io.memreason.avro.ModelStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Model versions on disk, under one root folder:
 *
 * <pre>
 *   versions/v1/      manifest.json (files + SHA-256, metrics; never changed), status.json, the version's files
 *   versions/v2/ ...
 *   serving           the name of the serving version
 *   retrain.lock      held while a retraining job runs ({@link RetrainLock})
 * </pre>
 *
 * A version is written aside in a staging folder and appears under {@code versions/} by one atomic rename, complete
 * with its manifest, so a reader never sees half a version. Small files (status, serving pointer) are replaced by
 * rename too. Only the last {@code keepVersions} versions are kept, and never the serving one. Writers must hold the
 * {@link RetrainLock}; readers need nothing.
 */
public final class ModelRegistry {
  private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);
  private static final Gson GSON = new Gson();
  private static final String VERSIONS = "versions";
  private static final String SERVING = "serving";
  private static final String STAGING_PREFIX = ".staging-";
  private static final String DELETING_PREFIX = ".deleting-";

  /**
   * What a new version is, apart from its files.
   *
   * @param parent the version it was trained from; empty for an imported model
   */
  public record Registration(VersionName name, Optional<VersionName> parent, String baseModel,
                             Map<String, Double> metrics, Map<Integer, Long> examplesSnapshot, String description) {}

  /** The result of a promotion: the newly serving version and the one it replaced, now retired. */
  public record Promotion(RegisteredVersion promoted, Optional<RegisteredVersion> retired) {}

  private final Path root;
  private final Path versions;
  private final int keepVersions;
  private final Clock clock;

  public ModelRegistry(Path root, int keepVersions, Clock clock) {
    if (keepVersions < 1) {
      throw new IllegalArgumentException("the registry keeps at least one version, not " + keepVersions);
    }
    this.root = root.toAbsolutePath().normalize();
    this.versions = this.root.resolve(VERSIONS);
    this.keepVersions = keepVersions;
    this.clock = clock;
    try {
      Files.createDirectories(versions);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the model registry in " + root + " (registry.dir): "
          + e.getMessage(), e);
    }
  }

  public Path root() {
    return root;
  }

  /** The single-flight lock of retraining jobs, kept in this registry. */
  public RetrainLock retrainLock(Duration staleAfter) {
    return new RetrainLock(root.resolve("retrain.lock"), staleAfter, clock);
  }

  /** Every version, oldest first. */
  public List<RegisteredVersion> versions() {
    List<RegisteredVersion> all = new ArrayList<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(versions, Files::isDirectory)) {
      for (Path dir : dirs) {
        all.add(read(new VersionName(dir.getFileName().toString())));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + versions + ": " + e.getMessage(), e);
    }
    all.sort(Comparator.comparing(RegisteredVersion::name));
    return all;
  }

  public Optional<RegisteredVersion> version(VersionName name) {
    return Files.isDirectory(folderOf(name)) ? Optional.of(read(name)) : Optional.empty();
  }

  /** The version the serving pointer names, if any. */
  public Optional<RegisteredVersion> serving() {
    Path pointer = root.resolve(SERVING);
    if (!Files.isRegularFile(pointer)) {
      return Optional.empty();
    }
    try {
      VersionName name = new VersionName(Files.readString(pointer, StandardCharsets.UTF_8).strip());
      return Optional.of(version(name).orElseThrow(() -> new IllegalStateException(
          "the registry's serving pointer " + pointer + " names " + name + ", which is not in " + versions)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + pointer + ": " + e.getMessage(), e);
    }
  }

  /** The name of the next version: v(n+1) after the highest numbered one. */
  public VersionName nextName() {
    int highest = versions().stream().mapToInt(v -> v.name().number().orElse(0)).max().orElse(0);
    return VersionName.numbered(highest + 1);
  }

  /** A fresh, empty staging folder inside the registry (same file system, so publishing is a rename). */
  public Path stage() {
    try {
      return Files.createDirectory(root.resolve(STAGING_PREFIX + UUID.randomUUID()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a staging folder in " + root + ": " + e.getMessage(), e);
    }
  }

  /**
   * Publishes a staged folder as a new CANDIDATE version: checksums every file, writes the manifest and the status,
   * then renames the folder into {@code versions/} in one step.
   *
   * @throws IllegalStateException when the version exists already
   */
  public RegisteredVersion publish(Path staged, Registration registration) {
    Path target = folderOf(registration.name());
    if (Files.exists(target)) {
      throw new IllegalStateException("model version " + registration.name() + " exists already in " + versions);
    }
    try {
      TreeMap<String, Manifest.FileDigest> files = new TreeMap<>();
      try (Stream<Path> content = Files.list(staged)) {
        for (Path file : content.toList()) {
          if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("a model version holds plain files only; " + file + " is not one");
          }
          files.put(file.getFileName().toString(), new Manifest.FileDigest(Sha256.of(file), Files.size(file)));
        }
      }
      Manifest manifest = new Manifest(registration.name().value(),
          registration.parent().map(VersionName::value).orElse(null), registration.baseModel(),
          clock.instant().toString(), files, new TreeMap<>(registration.metrics()),
          new TreeMap<>(registration.examplesSnapshot()), registration.description());
      Files.write(staged.resolve(Manifest.FILE), manifest.toJson());
      writeStatus(staged, VersionStatus.of(ModelStatus.CANDIDATE, "registered", clock.instant()));
      Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException e) {
      throw new IllegalStateException("model version " + registration.name() + " exists already in " + versions, e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot publish model version " + registration.name() + " in " + versions
          + ": " + e.getMessage(), e);
    }
    log.info("registered model version {} in {}", registration.name(), target);
    return read(registration.name());
  }

  /**
   * Registers a model trained elsewhere (the configured or bootstrapped one) as the next version and promotes it:
   * the first version of a new registry. The adapter folder's files are copied; the base model is referred to.
   */
  public Promotion importModel(ModelSource model) {
    Path staged = stage();
    try {
      if (model.adapter().isPresent()) {
        try (Stream<Path> files = Files.list(model.adapter().get())) {
          for (Path file : files.filter(Files::isRegularFile).toList()) {
            Files.copy(file, staged.resolve(file.getFileName()));
          }
        }
      }
    } catch (IOException e) {
      discard(staged);
      throw new UncheckedIOException("cannot copy the adapter " + model.adapter().get() + " into the registry: "
          + e.getMessage(), e);
    }
    VersionName name = nextName();
    publish(staged, new Registration(name, Optional.empty(), model.baseModel().toAbsolutePath().toString(), Map.of(),
        Map.of(), "imported " + model.version() + " from " + model.baseModel()
        + model.adapter().map(a -> " + " + a).orElse("")));
    return promote(name, "imported as the first version of the registry");
  }

  /** Makes a version the serving one; the version it replaces is retired. */
  public Promotion promote(VersionName name, String reason) {
    RegisteredVersion candidate = version(name).orElseThrow(() -> missing(name));
    Optional<RegisteredVersion> previous = serving().filter(v -> !v.name().equals(name));
    writeStatus(candidate.folder(), VersionStatus.of(ModelStatus.PROMOTED, reason, clock.instant()));
    writeAtomically(root.resolve(SERVING), name.value().getBytes(StandardCharsets.UTF_8));
    Optional<RegisteredVersion> retired = previous.map(old -> {
      writeStatus(old.folder(), VersionStatus.of(ModelStatus.RETIRED, "replaced by " + name, clock.instant()));
      return read(old.name());
    });
    log.info("model version {} promoted: {}", name, reason);
    return new Promotion(read(name), retired);
  }

  /** Marks a candidate a canary: it answers a share of live questions until the live gate decides. */
  public RegisteredVersion canary(VersionName name, String reason) {
    RegisteredVersion candidate = version(name).orElseThrow(() -> missing(name));
    writeStatus(candidate.folder(), VersionStatus.of(ModelStatus.CANARY, reason, clock.instant()));
    log.info("model version {} is a canary: {}", name, reason);
    return read(name);
  }

  /** The version in the CANARY state, if any (the newest, should there be several). */
  public Optional<RegisteredVersion> canary() {
    List<RegisteredVersion> canaries = versions().stream()
        .filter(v -> v.status().status() == ModelStatus.CANARY).toList();
    return canaries.isEmpty() ? Optional.empty() : Optional.of(canaries.get(canaries.size() - 1));
  }

  /** Marks a version rejected; the serving version stays as it is. */
  public RegisteredVersion reject(VersionName name, String reason) {
    RegisteredVersion candidate = version(name).orElseThrow(() -> missing(name));
    if (serving().map(v -> v.name().equals(name)).orElse(false)) {
      throw new IllegalStateException("model version " + name + " is serving and cannot be rejected");
    }
    writeStatus(candidate.folder(), VersionStatus.of(ModelStatus.REJECTED, reason, clock.instant()));
    log.info("model version {} rejected: {}", name, reason);
    return read(name);
  }

  /**
   * Checks that a version's files are the ones its manifest lists, byte for byte, and that the manifest is the one
   * announced ({@code expectedManifestSha256}, when given).
   *
   * @throws IllegalStateException naming the first file that differs
   */
  public void verify(RegisteredVersion version, Optional<String> expectedManifestSha256) {
    expectedManifestSha256.filter(expected -> !expected.equals(version.manifestSha256())).ifPresent(expected -> {
      throw new IllegalStateException("the manifest of model version " + version.name() + " in " + version.folder()
          + " has SHA-256 " + version.manifestSha256() + ", but " + expected + " was announced: the folder was"
          + " changed after it was published");
    });
    version.manifest().files().forEach((file, digest) -> {
      Path path = version.folder().resolve(file);
      if (!Files.isRegularFile(path)) {
        throw new IllegalStateException("model version " + version.name() + " lacks its file " + path);
      }
      String actual = Sha256.of(path);
      if (!actual.equals(digest.sha256())) {
        throw new IllegalStateException("file " + path + " of model version " + version.name() + " has SHA-256 "
            + actual + ", not " + digest.sha256() + " as its manifest says: it was changed or damaged");
      }
    });
  }

  /**
   * Deletes all but the newest {@code keepVersions} versions, never the serving one, and staging folders left by
   * interrupted jobs. Call while holding the {@link RetrainLock}.
   *
   * @return the versions deleted
   */
  public List<VersionName> prune() {
    Optional<VersionName> serving = serving().map(RegisteredVersion::name);
    List<RegisteredVersion> all = versions();
    List<VersionName> deleted = new ArrayList<>();
    for (RegisteredVersion v : all.subList(0, Math.max(0, all.size() - keepVersions))) {
      if (serving.isPresent() && serving.get().equals(v.name())) {
        continue;
      }
      // Renamed first, so a deletion cut short never leaves a damaged folder under versions/.
      deleteTree(move(v.folder(), root.resolve(DELETING_PREFIX + v.name() + "-" + UUID.randomUUID())));
      deleted.add(v.name());
      log.info("deleted model version {} (registry.keep-versions={})", v.name(), keepVersions);
    }
    try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(root,
        p -> p.getFileName().toString().startsWith(STAGING_PREFIX)
            || p.getFileName().toString().startsWith(DELETING_PREFIX))) {
      leftovers.forEach(ModelRegistry::deleteTree);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + root + ": " + e.getMessage(), e);
    }
    return deleted;
  }

  /** Removes a staging folder that will not be published. */
  public void discard(Path staged) {
    if (!staged.getFileName().toString().startsWith(STAGING_PREFIX) || !root.equals(staged.getParent())) {
      throw new IllegalArgumentException(staged + " is not a staging folder of " + root);
    }
    deleteTree(staged);
  }

  private Path folderOf(VersionName name) {
    Path folder = versions.resolve(name.value()).normalize();
    // VersionName admits no separators or "..", so this holds; checked again because the name came from outside.
    if (!versions.equals(folder.getParent())) {
      throw new IllegalArgumentException("model version " + name + " would lie outside " + versions);
    }
    return folder;
  }

  private RegisteredVersion read(VersionName name) {
    Path folder = folderOf(name);
    Path manifestFile = folder.resolve(Manifest.FILE);
    Manifest manifest = Manifest.read(manifestFile);
    if (!manifest.version().equals(name.value())) {
      throw new IllegalStateException(manifestFile + " describes version " + manifest.version() + ", not " + name);
    }
    return new RegisteredVersion(name, folder, manifest, Sha256.of(manifestFile), readStatus(folder));
  }

  private static VersionStatus readStatus(Path folder) {
    Path file = folder.resolve(VersionStatus.FILE);
    try {
      return GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), VersionStatus.class);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    } catch (JsonParseException | IllegalArgumentException e) {
      throw new IllegalStateException(file + " is not a version status: " + e.getMessage(), e);
    }
  }

  private static void writeStatus(Path folder, VersionStatus status) {
    writeAtomically(folder.resolve(VersionStatus.FILE), GSON.toJson(status).getBytes(StandardCharsets.UTF_8));
  }

  /** Writes beside the target, then renames over it: readers see the old content or the new, never a part. */
  private static void writeAtomically(Path target, byte[] content) {
    Path temporary = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      Files.write(temporary, content);
      Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
    }
  }

  private static Path move(Path from, Path to) {
    try {
      return Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot move " + from + " to " + to + ": " + e.getMessage(), e);
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir + ": " + e.getMessage(), e);
    }
  }

  private IllegalArgumentException missing(VersionName name) {
    return new IllegalArgumentException("model version " + name + " is not in the registry " + versions);
  }
}
