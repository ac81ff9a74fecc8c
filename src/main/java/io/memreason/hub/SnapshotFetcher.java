package io.memreason.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the files serving needs of one revision of a Hub repository into huggingface_hub's cache and answers its
 * snapshot folder, as {@code snapshot_download} does: the revision's commit and file list from the Hub, then for each
 * file not in the snapshot yet its metadata (HEAD) and, unless another revision already brought the same blob, its
 * bytes. Downloads resume where an earlier attempt stopped, LFS files are checked against their sha256, and a file
 * enters the snapshot only whole. Offline ({@code HF_HUB_OFFLINE}), or when the Hub cannot be reached, the snapshot
 * the cache has for the revision is used.
 */
public final class SnapshotFetcher {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotFetcher.class);

  private final HubSettings settings;
  private final Supplier<DownloadProgress> progress;
  private final Timing timing;
  private HubClient client;

  /** @param progress a new report for each download that has bytes to fetch */
  public SnapshotFetcher(HubSettings settings, Supplier<DownloadProgress> progress) {
    this(settings, progress, Timing.DEFAULT);
  }

  SnapshotFetcher(HubSettings settings, Supplier<DownloadProgress> progress, Timing timing) {
    this.settings = settings;
    this.progress = progress;
    this.timing = timing;
  }

  /** The snapshot folder of the revision, with every file serving needs (fetched now if the cache lacks them). */
  public Path fetch(HubModelId id) {
    RepoCache cache = new RepoCache(settings.cache(), id);
    if (settings.offline()) {
      return cached(id, cache).orElseThrow(() -> notCached(id, cache, "HF_HUB_OFFLINE is set"));
    }
    HubClient.Revision revision;
    try {
      revision = client().revision(id);
    } catch (HubException e) {
      if (e.kind() != HubException.Kind.UNREACHABLE) {
        throw e;
      }
      Path snapshot = cached(id, cache).orElseThrow(() -> e);
      LOG.warn("serving {} from the cache, {}: {}", id, snapshot, e.getMessage());
      return snapshot;
    }
    String commit = revision.commit();
    Path snapshot = cache.snapshot(commit);
    if (!id.revision().equals(commit)) {
      cache.writeRef(id.revision(), commit);
    }
    HubModelId pinned = id.at(commit);
    List<String> files = new ArrayList<>(ServingFiles.select(id, revision.files()));
    if (files.remove(ServingFiles.INDEX)) {
      // The index is small and says which shards there are: fetched first, without a report of its own.
      fetchFiles(id, pinned, cache, List.of(ServingFiles.INDEX), DownloadProgress::none);
      files.addAll(ServingFiles.shards(id, snapshot.resolve(ServingFiles.INDEX), revision.files()));
    }
    fetchFiles(id, pinned, cache, files, progress);
    LOG.info("{} is commit {}: {}", id, commit, snapshot);
    return snapshot;
  }

  /** The snapshot the cache has for the revision, if it holds the weights. */
  private Optional<Path> cached(HubModelId id, RepoCache cache) {
    return cache.commit(id.revision()).map(cache::snapshot)
        .filter(Files::isDirectory).filter(s -> ServingFiles.lacking(id, s).isEmpty());
  }

  private HubException notCached(HubModelId id, RepoCache cache, String why) {
    Optional<Path> partial = cache.commit(id.revision()).map(cache::snapshot).filter(Files::isDirectory);
    String state = partial.map(p -> " only in part (" + ServingFiles.lacking(id, p).orElse("?") + " missing in " + p + ")")
        .orElse(" not in the cache " + cache.root());
    return new HubException(HubException.Kind.NOT_CACHED, id + " is" + state + " and " + why
        + ": fetch it first with `memreason fetch-model " + id + "` where the Hub can be reached");
  }

  /** The files of a commit that the snapshot lacks: linked to blobs the cache has, downloaded otherwise. */
  private void fetchFiles(HubModelId id, HubModelId pinned, RepoCache cache, List<String> files,
                          Supplier<DownloadProgress> reports) {
    record Download(String file, HubClient.FileMetadata metadata) {}
    String commit = pinned.revision();
    List<Download> downloads = new ArrayList<>();
    for (String file : files) {
      if (cache.has(commit, file)) {
        continue;
      }
      HubClient.FileMetadata metadata = client().head(pinned, commit, file);
      if (Files.isRegularFile(cache.blob(metadata.etag()))) {
        cache.link(commit, file, metadata.etag());
      } else {
        downloads.add(new Download(file, metadata));
      }
    }
    if (downloads.isEmpty()) {
      return;
    }
    long total = downloads.stream().mapToLong(d -> d.metadata().size()).sum();
    long resumed = downloads.stream().mapToLong(d -> sizeOf(cache.incomplete(d.metadata().etag()))).sum();
    try (DownloadProgress report = reports.get()) {
      report.start(id.toString(), total, resumed);
      for (Download d : downloads) {
        report.file(d.file(), d.metadata().size());
        download(id, pinned, cache, d.file(), d.metadata(), report);
        cache.link(commit, d.file(), d.metadata().etag());
      }
    }
  }

  /**
   * One blob, under its lock: resumed from its .incomplete file, tried again (resuming) after a cut or stalled
   * transfer, checked against its sha256 when it is an LFS file, then moved into place.
   */
  private void download(HubModelId id, HubModelId pinned, RepoCache cache, String file,
                        HubClient.FileMetadata metadata, DownloadProgress report) {
    String etag = metadata.etag();
    try (RepoCache.Lock lock = cache.lock(etag)) {
      if (Files.isRegularFile(cache.blob(etag))) {
        return;
      }
      Path part = cache.incomplete(etag);
      cache.createBlobsFolder();
      for (int attempt = 1; ; attempt++) {
        long have = sizeOf(part);
        if (have > metadata.size()) {
          have = 0;
        }
        try {
          if (transfer(pinned, file, part, have, metadata, report)) {
            break;
          }
        } catch (IOException | HubException e) {
          boolean retried = e instanceof IOException || ((HubException) e).kind() == HubException.Kind.SERVER_ERROR;
          if (!retried) {
            throw (HubException) e;
          }
          long kept = sizeOf(part);
          if (attempt >= timing.attempts()) {
            throw new HubException(HubException.Kind.UNREACHABLE, "the download of " + file + " of " + id
                + " stopped at " + kept + " of " + metadata.size() + " bytes after " + attempt + " tries ("
                + e.getMessage() + "): run the command again to resume it", e);
          }
          LOG.warn("{}: {} stopped at {} of {} bytes ({}); trying again, resuming there", id, file, kept,
              metadata.size(), e.getMessage());
          pause(timing.backoff().toMillis() * attempt);
        }
      }
      cache.store(part, etag);
    }
  }

  /**
   * One attempt at a blob's bytes from {@code have} on. True when the file is whole (and, for LFS, its hash is
   * right); false when the server refused the range and the download starts over.
   */
  private boolean transfer(HubModelId pinned, String file, Path part, long have, HubClient.FileMetadata metadata,
                           DownloadProgress report) throws IOException {
    AtomicReference<PartialBlob> blob = new AtomicReference<>();
    int status;
    try {
      status = client().download(pinned, pinned.revision(), file, have, start -> {
        try {
          blob.set(PartialBlob.openAt(part, start, metadata.lfs(), report::add));
          return blob.get();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } finally {
      if (blob.get() != null) {
        blob.get().close();
      }
    }
    if (status == 416) {
      // Nothing after byte `have`: either the file is whole already or what we have is not a prefix of it.
      if (have != metadata.size()) {
        report.add(-have);
        Files.deleteIfExists(part);
        return false;
      }
      try (PartialBlob whole = PartialBlob.openAt(part, have, metadata.lfs(), n -> { })) {
        return verified(pinned, file, part, whole, metadata);
      }
    }
    PartialBlob written = blob.get();
    if (written.size() < metadata.size()) {
      throw new IOException("the transfer ended after " + written.size() + " bytes");
    }
    return verified(pinned, file, part, written, metadata);
  }

  private boolean verified(HubModelId pinned, String file, Path part, PartialBlob blob,
                           HubClient.FileMetadata metadata) throws IOException {
    String problem = null;
    if (blob.size() != metadata.size()) {
      problem = blob.size() + " bytes, not the " + metadata.size() + " the Hub announced";
    } else if (metadata.lfs() && !blob.sha256Hex().equals(metadata.etag())) {
      problem = "sha256 " + blob.sha256Hex() + ", not its ETag " + metadata.etag();
    }
    if (problem != null) {
      Files.deleteIfExists(part);
      throw new HubException(HubException.Kind.CORRUPT_DOWNLOAD, "the download of " + file + " of " + pinned
          + " is corrupt (" + problem + "): it was deleted; fetch again, and if it happens again check HF_ENDPOINT "
          + "or the network's proxies");
    }
    return true;
  }

  private synchronized HubClient client() {
    if (client == null) {
      client = new HubClient(settings, timing);
    }
    return client;
  }

  private static long sizeOf(Path file) {
    try {
      return Files.exists(file) ? Files.size(file) : 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting to resume a download", e);
    }
  }

  @Override
  public String toString() {
    return "SnapshotFetcher[" + settings + "]";
  }
}
