package io.memreason.pipeline;

import io.memreason.avro.DeadLetter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Builds dead letters that always fit the dead-letters topic. A record that fits is kept byte for byte; one that
 * does not (its key and value together come near the topic's limit) keeps the first {@value #KEPT_BYTES} bytes of
 * each and is flagged {@code truncated}; both carry the lengths and SHA-256 digests of the whole key and value, so a
 * truncated record can still be recognised.
 */
public final class DeadLetters {
  /** How many bytes of its key and of its value a truncated dead letter keeps. */
  public static final int KEPT_BYTES = 4096;
  /** Room for a dead letter's other fields at their largest: topic name, reason (bounded), digests, framing. */
  static final int OTHER_FIELDS_BYTES = 8192;
  /** The longest source key that is also the dead letter's record key; a longer one leaves the record unkeyed. */
  static final int MAX_RECORD_KEY_BYTES = 512;

  private final int maxValueBytes;

  /** @param maxValueBytes the largest record value the dead-letters topic takes */
  public DeadLetters(int maxValueBytes) {
    this.maxValueBytes = maxValueBytes;
  }

  /**
   * A dead letter of a record that could not be processed.
   *
   * @param reason why, one line (see {@link ReasonText})
   */
  public DeadLetter of(String topic, int partition, long offset, byte[] key, byte[] value, String errorType,
                       String reason, String processor, Instant at) {
    long whole = (key == null ? 0L : key.length) + (value == null ? 0L : value.length);
    boolean truncated = whole + OTHER_FIELDS_BYTES > maxValueBytes;
    int kept = truncated ? Math.max(0, Math.min(KEPT_BYTES, (maxValueBytes - OTHER_FIELDS_BYTES) / 2)) : Integer.MAX_VALUE;
    return DeadLetter.newBuilder()
        .setSourceTopic(topic)
        .setSourcePartition(partition)
        .setSourceOffset(offset)
        .setKey(first(key, kept))
        .setValue(first(value, kept))
        .setError(ReasonText.of(reason))
        .setErrorType(errorType)
        .setProcessor(processor)
        .setFailedAt(at)
        .setKeyLength(key == null ? null : key.length)
        .setValueLength(value == null ? null : value.length)
        .setKeySha256(sha256(key))
        .setValueSha256(sha256(value))
        .setTruncated(truncated)
        .build();
  }

  /**
   * The record key of the dead letter of a record with this key: the key as text, so the dead letter of a question
   * lands in its question's partition number, unless the key is too long to be a question id (then none).
   */
  public static String recordKey(byte[] sourceKey) {
    return sourceKey == null || sourceKey.length > MAX_RECORD_KEY_BYTES ? null
        : new String(sourceKey, StandardCharsets.UTF_8);
  }

  /**
   * The same dead letter without its raw bytes, for a topic that took less than expected: lengths and digests
   * describe the whole record (those of a dead letter truncated before are kept).
   */
  static DeadLetter withoutBytes(DeadLetter letter) {
    DeadLetter.Builder stripped = DeadLetter.newBuilder(letter).setTruncated(true)
        .setKey(letter.getKey() == null ? null : ByteBuffer.allocate(0))
        .setValue(letter.getValue() == null ? null : ByteBuffer.allocate(0));
    if (!letter.getTruncated()) {
      byte[] key = bytes(letter.getKey());
      byte[] value = bytes(letter.getValue());
      stripped.setKeyLength(key == null ? null : key.length).setValueLength(value == null ? null : value.length)
          .setKeySha256(sha256(key)).setValueSha256(sha256(value));
    }
    return stripped.build();
  }

  private static byte[] bytes(ByteBuffer buffer) {
    if (buffer == null) {
      return null;
    }
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }

  private static ByteBuffer first(byte[] bytes, int n) {
    return bytes == null ? null : ByteBuffer.wrap(bytes.length <= n ? bytes : Arrays.copyOf(bytes, n));
  }

  static String sha256(byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
