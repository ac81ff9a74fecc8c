package io.memreason.cli;

import io.memreason.config.MemreasonConfig;
import io.memreason.llm.LanguageModel;
import io.memreason.llm.generate.Generator;
import io.memreason.llm.generate.GeneratorSettings;
import io.memreason.reasoning.LlmReasoner;
import io.memreason.reasoning.Reasoner;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;

/**
 * The one place the commands get their model from ({@code serve}, {@code demo}, {@code bench pipeline}): the
 * configured Hugging Face folder (+ adapter) loaded on the configured device, behind a continuous-batching
 * generator. The engine reports decode steps, decoded tokens (their ratio is the mean batch size), prefill
 * tokens and live requests on the registry it is given ({@code memreason.engine.*}).
 */
final class ReasonerFactory {
  private ReasonerFactory() {}

  static Reasoner create(MemreasonConfig config, MeterRegistry registry) {
    Path dir = config.model().dir().orElseThrow(() -> new IllegalStateException(
        "no model configured: set model.dir (MEMREASON_MODEL_DIR) to a Hugging Face folder with step tokens"));
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
}
