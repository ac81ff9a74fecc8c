package io.memreason.hub;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.LongConsumer;

/**
 * A blob being downloaded: {@code blobs/<etag>.incomplete}, written from some offset on (what an earlier attempt
 * left is kept, so a transfer resumes), hashed with SHA-256 as it grows when the file lives in LFS.
 */
final class PartialBlob implements HubClient.BodySink, AutoCloseable {
  private final FileChannel channel;
  private final MessageDigest digest;
  private final LongConsumer progress;
  private long size;

  private PartialBlob(FileChannel channel, MessageDigest digest, long size, LongConsumer progress) {
    this.channel = channel;
    this.digest = digest;
    this.size = size;
    this.progress = progress;
  }

  /**
   * The file cut to {@code start} bytes, to be continued from there; with {@code hashed} its kept bytes are hashed
   * first. {@code progress} hears of every byte added (and of the bytes cut off, as a negative count).
   */
  static PartialBlob openAt(Path file, long start, boolean hashed, LongConsumer progress) throws IOException {
    long before = Files.exists(file) ? Files.size(file) : 0;
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    try {
      channel.truncate(start);
      channel.position(start);
      MessageDigest digest = hashed ? sha256() : null;
      if (hashed && start > 0) {
        try (InputStream in = Files.newInputStream(file)) {
          byte[] buffer = new byte[1 << 20];
          long left = start;
          int n;
          while (left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) > 0) {
            digest.update(buffer, 0, n);
            left -= n;
          }
        }
      }
      if (before > start) {
        progress.accept(start - before);
      }
      return new PartialBlob(channel, digest, start, progress);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  @Override
  public void write(ByteBuffer bytes) throws IOException {
    int n = bytes.remaining();
    if (digest != null) {
      digest.update(bytes.duplicate());
    }
    while (bytes.hasRemaining()) {
      channel.write(bytes);
    }
    size += n;
    progress.accept(n);
  }

  long size() {
    return size;
  }

  /** The SHA-256 of the whole file, in lower-case hex (only for a hashed blob). */
  String sha256Hex() {
    return HexFormat.of().formatHex(digest.digest());
  }

  @Override
  public void close() throws IOException {
    channel.force(false);
    channel.close();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }
}
