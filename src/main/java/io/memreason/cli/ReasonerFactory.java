package io.memreason.cli;

import io.memreason.config.MemreasonConfig;
import io.memreason.hub.DownloadProgress;
import io.memreason.hub.ModelResolver;
import io.memreason.hub.SnapshotFetcher;
import io.memreason.interop.ReferenceImport;
import io.memreason.reasoning.Reasoner;
import io.memreason.registry.LlmVersionLoader;
import io.memreason.registry.ModelRegistry;
import io.memreason.registry.ModelSource;
import io.memreason.registry.ServingModel;
import io.memreason.registry.VersionLoader;
import io.memreason.training.DefaultModel;
import io.memreason.training.TrainingProgress;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * The one place the commands get their model from ({@code serve}, {@code demo}, {@code bench pipeline},
 * {@code retrain}): the configured Hugging Face folder or Hub model (+ adapter), or the locally built default model
 * when none is configured, loaded on the configured device behind a continuous-batching generator. Without a
 * registry that model is served; with one ({@code registry.dir}) the version promoted last is, hot-swapped to each
 * newly promoted one. The engine reports its batch size per decode step, prefill tokens and live requests on the
 * registry it is given ({@code memreason.engine.*}); after a swap the meters follow the newly loaded version.
 */
final class ReasonerFactory {
  private ReasonerFactory() {}

  static Reasoner create(MemreasonConfig config, MeterRegistry meters) {
    VersionLoader loader = versionLoader(config, meters);
    if (config.registry().dir().isEmpty()) {
      return loader.load(configuredModel(config));
    }
    return ServingModel.start(config, registry(config), loader, configuredModel(config), meters);
  }

  /**
   * The configured model ({@code model.dir}, {@code model.adapter}; a Hub id is fetched into the cache now, once) or
   * else the default model, named {@code model.version}. A {@code model.adapter} that is a run or checkpoint of the
   * paper's reference implementation is served from its import under {@code model.cache-dir}.
   */
  static ModelSource configuredModel(MemreasonConfig config) {
    ModelResolver models = models(config);
    Path base = config.model().dir().map(models::folder).orElseGet(() -> defaultModel(config));
    return new ModelSource(config.model().version(), base,
        ReferenceImport.adapterFor(config.model().adapter().map(models::folder), base, config.model().cacheDir()));
  }

  /**
   * How every command turns a model location into a folder: a folder as it is, {@code hf:ORG/NAME[@REVISION]}
   * through the Hub cache ({@code hub.*}), with a progress bar on a terminal and log lines otherwise.
   */
  static ModelResolver models(MemreasonConfig config) {
    return new ModelResolver(new SnapshotFetcher(config.hub(),
        () -> DownloadProgress.forConsole(Duration.ofSeconds(15))));
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

  /**
   * Without {@code model.dir}: memreason's default model from {@code model.cache-dir}, trained there first (a few
   * minutes, with progress on stderr) when the cache has none.
   */
  private static Path defaultModel(MemreasonConfig config) {
    DefaultModel.Recipe recipe = DefaultModel.defaultRecipe();
    if (!DefaultModel.isBuilt(config.model().cacheDir(), recipe)) {
      System.err.println("memreason: no model.dir configured: building the default model into "
          + DefaultModel.folder(config.model().cacheDir(), recipe) + " (once; about two minutes on two cores)");
    }
    try (TrainingProgress progress = TrainingProgress.forConsole(System.err, Duration.ofSeconds(15))) {
      return DefaultModel.ensure(config.model().cacheDir(), recipe, progress);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while building the default model", e);
    }
  }
}
