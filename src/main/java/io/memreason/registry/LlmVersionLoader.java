package io.memreason.registry;

import io.memreason.config.MemreasonConfig;
import io.memreason.llm.LanguageModel;
import io.memreason.llm.adapter.LoraAdapter;
import io.memreason.llm.generate.Generator;
import io.memreason.llm.generate.GeneratorSettings;
import io.memreason.llm.weights.WeightLoader.LoraMode;
import io.memreason.reasoning.LlmReasoner;
import io.memreason.reasoning.Reasoner;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * Loads a model version for serving: its base model with its folder as the adapter when the folder holds one
 * (LoRA factors merged into the weights, step tokens), on the configured device, behind a continuous-batching
 * generator, answering under the version's name. The engine's meters ({@code memreason.engine.*}) go to the given
 * registry, and each newly loaded version takes them over from the one before: after a swap they report the version
 * that serves.
 */
public final class LlmVersionLoader implements VersionLoader {
  private final MemreasonConfig.Engine engine;
  private final MeterRegistry meters;

  public LlmVersionLoader(MemreasonConfig.Engine engine, MeterRegistry meters) {
    this.engine = engine;
    this.meters = meters;
  }

  @Override
  public Reasoner load(ModelSource source) {
    LanguageModel.LoadOptions base = LanguageModel.LoadOptions.on(LanguageModel.device(engine.device()),
        engine.maxTotalTokens());
    Optional<Path> adapter = source.adapter().filter(dir -> Files.isRegularFile(dir.resolve(LoraAdapter.CONFIG_FILE)));
    LanguageModel model = LanguageModel.load(source.baseModel(),
        adapter.map(dir -> base.withAdapter(dir, LoraMode.MERGED)).orElse(base));
    Generator generator = null;
    try {
      generator = new Generator(model, GeneratorSettings.from(engine));
      LlmReasoner reasoner = new LlmReasoner(model, generator, source.version(), Clock.systemUTC());
      List<Meter> previous = meters.getMeters().stream()
          .filter(m -> m.getId().getName().startsWith("memreason.engine.")).toList();
      previous.forEach(meters::remove);
      return reasoner.withMetrics(meters);
    } catch (RuntimeException e) {
      if (generator != null) {
        generator.close();
      }
      model.close();
      throw e;
    }
  }
}
