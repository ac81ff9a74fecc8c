package io.memreason.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

/**
 * One repository's folder in huggingface_hub's cache, laid out exactly as the Python client lays it out, so that
 * either reuses what the other fetched: {@code models--ORG--NAME/blobs/<etag>} (a file's bytes, named by its
 * sha256 or git blob id), {@code snapshots/<commit>/<file>} (relative symbolic links {@code ../../blobs/<etag>}),
 * {@code refs/<revision>} (the commit a branch or tag pointed at when last asked), a download in progress as
 * {@code blobs/<etag>.incomplete}, and its lock in {@code .locks/models--ORG--NAME/<etag>.lock}.
 */
final class RepoCache {
  /** Names the Hub gives that become file names here: no separators, nothing hidden, nothing that climbs out. */
  private static final Pattern SAFE_NAME = Pattern.compile("[\\w-][\\w.-]*");
  private static final Map<Path, ReentrantLock> IN_THIS_PROCESS = new ConcurrentHashMap<>();

  private final HubModelId id;
  private final Path root;
  private final Path locks;

  RepoCache(Path hubCache, HubModelId id) {
    this.id = id;
    this.root = hubCache.resolve(id.cacheFolderName());
    this.locks = hubCache.resolve(".locks").resolve(id.cacheFolderName());
  }

  Path root() {
    return root;
  }

  /** The commit the revision names here: the revision itself when it is a commit, else what refs/ recorded. */
  Optional<String> commit(String revision) {
    if (HubModelId.isCommit(revision)) {
      return Optional.of(revision);
    }
    Path ref = root.resolve("refs").resolve(revision);
    if (!Files.isRegularFile(ref)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Files.readString(ref, StandardCharsets.UTF_8).strip()).filter(c -> SAFE_NAME.matcher(c).matches());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + ref + ": " + e.getMessage(), e);
    }
  }

  /** Records the commit a branch or tag points at now (as huggingface_hub does: the bare hash, no newline). */
  void writeRef(String revision, String commit) {
    safe(commit, "commit");
    Path ref = root.resolve("refs").resolve(revision);
    try {
      Files.createDirectories(ref.getParent());
      Path staged = ref.resolveSibling("." + ref.getFileName() + ".writing");
      Files.writeString(staged, commit, StandardCharsets.UTF_8);
      Files.move(staged, ref, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + ref + ": " + e.getMessage(), e);
    }
  }

  Path snapshot(String commit) {
    return root.resolve("snapshots").resolve(safe(commit, "commit"));
  }

  /** True when the snapshot has the file and its blob (a dangling link counts as missing). */
  boolean has(String commit, String file) {
    return Files.isRegularFile(snapshot(commit).resolve(file));
  }

  Path blob(String etag) {
    return root.resolve("blobs").resolve(safe(etag, "ETag"));
  }

  Path incomplete(String etag) {
    return root.resolve("blobs").resolve(safe(etag, "ETag") + ".incomplete");
  }

  /** Makes the folder of blobs and downloads in progress. */
  void createBlobsFolder() {
    try {
      Files.createDirectories(root.resolve("blobs"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + root.resolve("blobs") + ": " + e.getMessage(), e);
    }
  }

  /** Moves a finished download into place as its blob. */
  void store(Path incomplete, String etag) {
    try {
      Files.move(incomplete, blob(etag), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot move " + incomplete + " into place: " + e.getMessage(), e);
    }
  }

  /** Points {@code snapshots/<commit>/<file>} at the blob with a relative link, replacing a dangling one. */
  void link(String commit, String file, String etag) {
    Path link = snapshot(commit).resolve(file);
    try {
      Files.createDirectories(link.getParent());
      if (Files.isSymbolicLink(link) || Files.exists(link)) {
        Files.delete(link);
      }
      Files.createSymbolicLink(link, link.getParent().relativize(blob(etag)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot link " + link + " to its blob (the cache needs a file system with "
          + "symbolic links): " + e.getMessage(), e);
    }
  }

  /** Holds the blob against other downloads of it, in this process and in others. */
  Lock lock(String etag) {
    Path file = locks.resolve(safe(etag, "ETag") + ".lock");
    ReentrantLock local = IN_THIS_PROCESS.computeIfAbsent(file.toAbsolutePath(), p -> new ReentrantLock());
    local.lock();
    try {
      Files.createDirectories(locks);
      FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      try {
        return new Lock(local, channel, channel.lock());
      } catch (IOException | RuntimeException e) {
        channel.close();
        throw e;
      }
    } catch (IOException e) {
      local.unlock();
      throw new UncheckedIOException("cannot lock " + file + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      local.unlock();
      throw e;
    }
  }

  /** A held blob lock. */
  record Lock(ReentrantLock local, FileChannel channel, FileLock fileLock) implements AutoCloseable {
    @Override
    public void close() {
      try {
        fileLock.release();
        channel.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } finally {
        local.unlock();
      }
    }
  }

  private String safe(String name, String what) {
    if (!SAFE_NAME.matcher(name).matches() || name.length() > 128) {
      throw new HubException(HubException.Kind.BAD_RESPONSE, "the Hub gave " + id.repoAtRevision() + " an unusable "
          + what + " '" + name.substring(0, Math.min(name.length(), 80)) + "': check HF_ENDPOINT");
    }
    return name;
  }
}
