package io.memreason.hub;

/** Why a model could not be had from the Hub or its cache, in one line that names the repository and what to do. */
public final class HubException extends RuntimeException {
  /** What went wrong, for callers that act on it (a cached copy serves when the Hub cannot be reached). */
  public enum Kind {
    ACCESS_DENIED, REPOSITORY_NOT_FOUND, REVISION_NOT_FOUND, FILE_NOT_FOUND, NO_SAFETENSORS, UNREACHABLE,
    NOT_CACHED, CORRUPT_DOWNLOAD, SERVER_ERROR, BAD_RESPONSE
  }

  private final Kind kind;

  HubException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  HubException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
