package io.memreason.hub;

import java.nio.file.Path;

/**
 * Where a model's files are, as a user names them: a local folder, or a repository on the Hugging Face Hub
 * ({@code hf:ORG/NAME[@REVISION]}) whose files are fetched into the local cache first ({@link ModelResolver}).
 */
public sealed interface ModelLocation permits ModelLocation.Folder, HubModelId {

  /** {@code hf:ORG/NAME[@REVISION]} is a Hub repository; anything else is a folder. */
  static ModelLocation parse(String text) {
    String t = text.strip();
    if (t.startsWith(HubModelId.PREFIX)) {
      return HubModelId.parse(t);
    }
    if (t.isEmpty()) {
      throw new IllegalArgumentException("a model is a folder or hf:ORG/NAME[@REVISION], not an empty name");
    }
    return new Folder(Path.of(t));
  }

  /** A model folder on this machine (or a mounted volume). */
  record Folder(Path path) implements ModelLocation {
    @Override
    public String toString() {
      return path.toString();
    }
  }
}
