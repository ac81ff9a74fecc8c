package io.memreason.cli;

import io.memreason.config.MemreasonConfig;
import io.memreason.llm.LanguageModel;
import io.memreason.llm.generate.Generator;
import io.memreason.llm.generate.GeneratorSettings;
import io.memreason.reasoning.LlmReasoner;
import io.memreason.reasoning.Reasoner;
import io.memreason.training.DefaultModel;
import io.memreason.training.TrainingProgress;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * The one place the commands get their model from ({@code serve}, {@code demo}, {@code bench pipeline}): the
 * configured Hugging Face folder (+ adapter), or the locally built default model when none is configured, loaded
 * on the configured device behind a continuous-batching generator. The engine reports its batch size per decode
 * step, prefill tokens and live requests on the registry it is given ({@code memreason.engine.*}).
 */
final class ReasonerFactory {
  private ReasonerFactory() {}

  static Reasoner create(MemreasonConfig config, MeterRegistry registry) {
    Path dir = config.model().dir().orElseGet(() -> defaultModel(config));
    LanguageModel model = LanguageModel.load(dir, LanguageModel.LoadOptions.from(config));
    Generator generator = null;
    try {
      generator = new Generator(model, GeneratorSettings.from(config.engine()));
      return new LlmReasoner(model, generator, config.model().version(), Clock.systemUTC()).withMetrics(registry);
    } catch (RuntimeException e) {
      if (generator != null) {
        generator.close();
      }
      model.close();
      throw e;
    }
  }

  /**
   * Without {@code model.dir}: memreason's default model from {@code model.cache-dir}, trained there first (a few
   * minutes, with progress on stderr) when the cache has none.
   */
  private static Path defaultModel(MemreasonConfig config) {
    try (TrainingProgress progress = TrainingProgress.forConsole(System.err, Duration.ofSeconds(15))) {
      return DefaultModel.ensure(config.model().cacheDir(), DefaultModel.defaultRecipe(), progress);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while building the default model", e);
    }
  }
}
