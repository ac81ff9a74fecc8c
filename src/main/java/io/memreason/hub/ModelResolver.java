package io.memreason.hub;

import java.nio.file.Path;

/**
 * The one place a model's location becomes the folder the runtime loads: a folder is used as it is, a Hub
 * repository is its snapshot folder in huggingface_hub's cache, fetched first when the cache lacks files.
 */
public final class ModelResolver {
  private final SnapshotFetcher hub;

  public ModelResolver(SnapshotFetcher hub) {
    this.hub = hub;
  }

  public Path folder(ModelLocation location) {
    if (location instanceof HubModelId id) {
      return hub.fetch(id);
    }
    return ((ModelLocation.Folder) location).path();
  }
}
