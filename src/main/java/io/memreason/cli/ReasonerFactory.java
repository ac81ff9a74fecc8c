package io.memreason.cli;

import io.memreason.config.MemreasonConfig;
import io.memreason.reasoning.Reasoner;
import io.memreason.registry.LlmVersionLoader;
import io.memreason.registry.ModelRegistry;
import io.memreason.registry.ModelSource;
import io.memreason.registry.ServingModel;
import io.memreason.registry.VersionLoader;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;

/**
 * The one place the commands get their model from ({@code serve}, {@code demo}, {@code bench pipeline},
 * {@code retrain}): a Hugging Face folder (+ adapter) loaded on the configured device, behind a continuous-batching
 * generator. Without a registry that is the configured model; with one ({@code registry.dir}) it is the version
 * promoted last, hot-swapped to each newly promoted one. The engine reports its batch size per decode step, prefill
 * tokens and live requests on the registry it is given ({@code memreason.engine.*}); after a swap the meters follow
 * the newly loaded version.
 */
final class ReasonerFactory {
  private ReasonerFactory() {}

  static Reasoner create(MemreasonConfig config, MeterRegistry meters) {
    VersionLoader loader = versionLoader(config, meters);
    ModelSource configured = configuredModel(config).orElseThrow(() -> new IllegalStateException(
        "no model configured: set model.dir (MEMREASON_MODEL_DIR) to a Hugging Face folder with step tokens"));
    if (config.registry().dir().isEmpty()) {
      return loader.load(configured);
    }
    return ServingModel.start(config, registry(config), loader, configured, meters);
  }

  /** The configured model ({@code model.dir}, {@code model.adapter}), named {@code model.version}, if there is one. */
  static Optional<ModelSource> configuredModel(MemreasonConfig config) {
    return config.model().dir().map(dir -> new ModelSource(config.model().version(), dir, config.model().adapter()));
  }

  /** The model registry of {@code registry.dir}. */
  static ModelRegistry registry(MemreasonConfig config) {
    Path dir = config.registry().dir().orElseThrow(() -> new IllegalStateException(
        "no model registry configured: set registry.dir (MEMREASON_REGISTRY_DIR) to the folder of model versions"));
    return new ModelRegistry(dir, config.registry().keepVersions(), Clock.systemUTC());
  }

  /** Loads a version as an engine-backed reasoner whose meters go to {@code meters}. */
  static VersionLoader versionLoader(MemreasonConfig config, MeterRegistry meters) {
    return new LlmVersionLoader(config.engine(), meters);
  }
}
