package io.memreason.registry;

import io.memreason.reasoning.Reasoner;

/** Loads a model version and starts a {@link Reasoner} on it, reporting answers under the version's name. */
@FunctionalInterface
public interface VersionLoader {
  Reasoner load(ModelSource source);
}
