package io.memreason.web;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The tokens file ({@code web.tokens-file}): one line per token, {@code NAME SHA256 ROLES}, e.g.
 * {@code ana 9f86d0…0a08 watch,label}. It holds the SHA-256 of each token, never the token, so reading the file
 * gives nobody a way in. Blank lines and lines starting with {@code #} are ignored.
 */
public final class TokenFile {
  /** A token's name: what the server knows the caller as, and the labeller of the feedback it gives. */
  static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,99}");
  private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");
  /** memreason's tokens start with this, so a leaked one is easy to recognise (e.g. by a secret scanner). */
  static final String TOKEN_PREFIX = "mr_";
  private static final SecureRandom RANDOM = new SecureRandom();

  /** One line of the file. */
  public record Entry(String name, String sha256, Set<Role> roles) {
    public Entry {
      roles = Set.copyOf(roles);
    }

    String line() {
      return name + " " + sha256 + " " + Role.listOf(roles);
    }
  }

  private TokenFile() {}

  /** Every entry of the file; a line that is not {@code NAME SHA256 ROLES}, or a name used twice, is an error. */
  public static List<Entry> read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalStateException("the tokens file " + file + " (web.tokens-file) does not exist: create it with"
          + " `memreason token add NAME --roles watch,ask,label --file " + file + "`");
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the tokens file " + file + " (web.tokens-file): " + e.getMessage(), e);
    }
    List<Entry> entries = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String where = "tokens file " + file + " line " + (i + 1);
      String[] fields = line.split("\\s+");
      if (fields.length != 3) {
        throw new IllegalArgumentException(where + ": expected NAME SHA256 ROLES, found " + fields.length + " fields");
      }
      if (!NAME.matcher(fields[0]).matches()) {
        throw new IllegalArgumentException(where + ": '" + fields[0] + "' is not a name (letters, digits, . _ @ -)");
      }
      if (!HASH.matcher(fields[1]).matches()) {
        // The field might be a token pasted by mistake: never repeat it.
        throw new IllegalArgumentException(where + ": the second field must be a SHA-256 in 64 lower-case hex digits"
            + " (memreason token add writes it)");
      }
      Set<Role> roles;
      try {
        roles = Role.parseList(fields[2]);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
      }
      if (!names.add(fields[0])) {
        throw new IllegalArgumentException(where + ": the name " + fields[0] + " is used twice");
      }
      entries.add(new Entry(fields[0], fields[1], roles));
    }
    return entries;
  }

  /**
   * Makes a new random token for {@code name}, appends its entry to the file (creating the file, readable by its
   * owner only, if it does not exist) and returns the token: the only time it is ever seen.
   */
  public static String add(Path file, String name, Set<Role> roles) {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("'" + name + "' is not a token name: 1 to 100 letters, digits, . _ @ -,"
          + " starting with a letter or digit");
    }
    if (roles.isEmpty()) {
      throw new IllegalArgumentException("a token needs at least one role: watch, ask or label");
    }
    if (Files.exists(file) && read(file).stream().anyMatch(e -> e.name().equals(name))) {
      throw new IllegalArgumentException("the tokens file " + file + " already has a token named " + name
          + ": remove its line first to replace it");
    }
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    String token = TOKEN_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    try {
      if (!Files.exists(file)) {
        if (file.toAbsolutePath().getParent() != null) {
          Files.createDirectories(file.toAbsolutePath().getParent());
        }
        Files.writeString(file, "# memreason tokens: NAME SHA256-OF-THE-TOKEN ROLES (see memreason token add --help)\n");
        restrictToOwner(file);
      }
      String existing = Files.readString(file);
      String separator = existing.isEmpty() || existing.endsWith("\n") ? "" : "\n";
      Files.writeString(file, separator + new Entry(name, sha256(token), roles).line() + "\n", StandardCharsets.UTF_8,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the tokens file " + file + ": " + e.getMessage(), e);
    }
    return token;
  }

  private static void restrictToOwner(Path file) throws IOException {
    try {
      Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException notPosix) {
      // Windows: the file keeps its folder's permissions.
    }
  }

  /** The hex SHA-256 of a token's UTF-8 bytes, as the file stores it. */
  static String sha256(String token) {
    return HexFormat.of().formatHex(digest(token));
  }

  static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }
}
