package io.memreason.hub;

import java.util.regex.Pattern;

/**
 * A repository on the Hugging Face Hub at a revision (a branch, a tag or a commit): {@code hf:ORG/NAME[@REVISION]},
 * the revision {@code main} when none is given. Names follow huggingface_hub's rules, which also keep them safe as
 * folder names in the cache.
 */
public record HubModelId(String repo, String revision) implements ModelLocation {
  public static final String PREFIX = "hf:";
  public static final String DEFAULT_REVISION = "main";
  // huggingface_hub's validate_repo_id: an optional namespace, word characters, '-' and '.', starting and ending
  // with a word character, no "--" or "..", at most 96 characters.
  private static final Pattern REPO = Pattern.compile("(\\w([\\w.-]*\\w)?/)?\\w([\\w.-]*\\w)?");
  // Branches, tags, commits and refs/pr/N; used as a path below refs/ in the cache, so nothing that climbs out.
  private static final Pattern REVISION = Pattern.compile("[\\w.-]+(/[\\w.-]+)*");
  private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

  public HubModelId {
    if (!REPO.matcher(repo).matches() || repo.length() > 96 || repo.contains("--") || repo.contains("..")) {
      throw new IllegalArgumentException("'" + repo + "' is not a Hugging Face repository id: write hf:ORG/NAME"
          + "[@REVISION] (letters, digits, '-', '_', '.'; no '--' or '..'; at most 96 characters)");
    }
    if (!REVISION.matcher(revision).matches() || revision.contains("..")) {
      throw new IllegalArgumentException("'" + revision + "' is not a revision of " + repo
          + ": name a branch, a tag or a commit (letters, digits, '-', '_', '.', '/')");
    }
  }

  /** {@code hf:ORG/NAME} or {@code hf:ORG/NAME@REVISION}. */
  public static HubModelId parse(String text) {
    if (!text.startsWith(PREFIX)) {
      throw new IllegalArgumentException("'" + text + "' is not a Hub model: write hf:ORG/NAME[@REVISION]");
    }
    String rest = text.substring(PREFIX.length());
    int at = rest.indexOf('@');
    return at < 0 ? new HubModelId(rest, DEFAULT_REVISION) : new HubModelId(rest.substring(0, at), rest.substring(at + 1));
  }

  /** True when the revision is a full commit hash, which never moves. */
  public boolean pinned() {
    return isCommit(revision);
  }

  /** True for a full commit hash (40 hexadecimal digits). */
  static boolean isCommit(String revision) {
    return COMMIT.matcher(revision).matches();
  }

  /** The cache folder of the repository, as huggingface_hub names it: {@code models--ORG--NAME}. */
  String cacheFolderName() {
    return "models--" + repo.replace("/", "--");
  }

  /** The same repository at another revision. */
  public HubModelId at(String otherRevision) {
    return new HubModelId(repo, otherRevision);
  }

  /** {@code ORG/NAME@REVISION}, how error messages name it. */
  public String repoAtRevision() {
    return repo + "@" + revision;
  }

  @Override
  public String toString() {
    return PREFIX + repoAtRevision();
  }
}
