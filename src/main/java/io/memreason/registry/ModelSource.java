package io.memreason.registry;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a model version's weights are: a base model folder and, optionally, a folder with the adapter (LoRA factors
 * and step tokens) to load over it.
 */
public record ModelSource(String version, Path baseModel, Optional<Path> adapter) {

  /** A registered version: its manifest's base model, and its own folder as the adapter. */
  public static ModelSource of(RegisteredVersion v) {
    return new ModelSource(v.name().value(), Path.of(v.manifest().baseModel()), Optional.of(v.folder()));
  }
}
