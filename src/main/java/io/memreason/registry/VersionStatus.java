package io.memreason.registry;

import io.memreason.avro.ModelStatus;
import java.time.Instant;

/**
 * Where a version stands ({@value #FILE} in its folder, replaced atomically at each change, unlike the manifest):
 * CANDIDATE when published, then PROMOTED or REJECTED by the promotion gate, RETIRED when a newer version is promoted.
 *
 * @param reason why it got this status, in one readable line
 */
public record VersionStatus(ModelStatus status, String reason, String at) {
  public static final String FILE = "status.json";

  public VersionStatus {
    if (status == null || status == ModelStatus.UNKNOWN) {
      throw new IllegalArgumentException("a registered version's status is CANDIDATE, PROMOTED, REJECTED or RETIRED");
    }
    reason = reason == null ? "" : reason;
  }

  static VersionStatus of(ModelStatus status, String reason, Instant at) {
    return new VersionStatus(status, reason, at.toString());
  }
}
