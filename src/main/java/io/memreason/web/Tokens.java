package io.memreason.web;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tokens of {@code web.tokens-file}, matched in constant time, and read again when the file changes (checked at
 * most once a second), so a token added or removed takes effect without a restart. A file that cannot be read or
 * parsed any more lets nobody in until it is fixed: a half-edited file must not keep a removed token valid.
 */
final class Tokens {
  private static final Logger log = LoggerFactory.getLogger(Tokens.class);
  private static final long CHECK_INTERVAL_NANOS = 1_000_000_000L;
  /** Longer than any token memreason makes; a longer one is refused without hashing it. */
  static final int MAX_TOKEN_CHARS = 512;

  /** An entry with its hash as bytes. */
  private record Known(String name, byte[] sha256, java.util.Set<Role> roles) {}

  private final Path file;
  private volatile List<Known> known;
  private volatile Object version;
  private volatile long checkedAt;

  Tokens(Path file) {
    this.file = file;
    this.version = version();
    this.known = parse(TokenFile.read(file));
    this.checkedAt = System.nanoTime();
    log.info("{} tokens from {}", known.size(), file);
  }

  /**
   * The caller a token belongs to. Every entry is compared, each comparison in constant time, so how long this takes
   * says nothing about which entry, or how much of one, matched.
   */
  Optional<Caller> match(String token) {
    if (token.length() > MAX_TOKEN_CHARS) {
      return Optional.empty();
    }
    byte[] presented = TokenFile.digest(token);
    Known found = null;
    for (Known k : current()) {
      if (MessageDigest.isEqual(presented, k.sha256()) & found == null) {
        found = k;
      }
    }
    return found == null ? Optional.empty() : Optional.of(new Caller(found.name(), found.roles(), true));
  }

  private List<Known> current() {
    long now = System.nanoTime();
    if (now - checkedAt >= CHECK_INTERVAL_NANOS) {
      synchronized (this) {
        if (now - checkedAt >= CHECK_INTERVAL_NANOS) {
          checkedAt = now;
          reloadIfChanged();
        }
      }
    }
    return known;
  }

  private void reloadIfChanged() {
    Object now = version();
    if (now.equals(version)) {
      return;
    }
    version = now;
    try {
      known = parse(TokenFile.read(file));
      log.info("tokens file {} changed: {} tokens", file, known.size());
    } catch (RuntimeException e) {
      known = List.of();
      log.error("tokens file {} cannot be used, so no token is valid until it is fixed: {}", file, e.getMessage());
    }
  }

  /** What tells a changed file: its modification time, size and identity (a replaced file, e.g. a Secret update). */
  private Object version() {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return List.of(a.lastModifiedTime(), a.size(), String.valueOf(a.fileKey()));
    } catch (IOException e) {
      return List.of("unreadable", e.getClass().getName());
    }
  }

  private static List<Known> parse(List<TokenFile.Entry> entries) {
    return entries.stream().map(e -> new Known(e.name(), HexFormat.of().parseHex(e.sha256()), e.roles())).toList();
  }
}
