package io.memreason.registry;

import io.memreason.config.MemreasonConfig;
import io.memreason.llm.LanguageModel;
import io.memreason.llm.ModelAdapter;
import io.memreason.llm.generate.Generator;
import io.memreason.llm.generate.GeneratorSettings;
import io.memreason.reasoning.LlmReasoner;
import io.memreason.reasoning.Reasoner;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads model versions for serving over one shared base: the first version of a base model loads its weights once,
 * with one continuous-batching generator; every version of that base then adds only its own LoRA factors (unmerged)
 * and step tokens, and its requests share the generator's batches with the other versions'. So a hot swap or a canary
 * holds the base once, and loading or dropping a version never pauses the others. A base is freed when its last
 * version is closed. The engine's meters ({@code memreason.engine.*}) report the generator of the base loaded last.
 */
public final class LlmVersionLoader implements VersionLoader {
  private static final Logger log = LoggerFactory.getLogger(LlmVersionLoader.class);

  /** One base model in memory with its generator and the number of versions open on it. */
  private static final class SharedBase {
    final LanguageModel model;
    final Generator generator;
    int versions;
    int stepTokens = -1;

    SharedBase(LanguageModel model, Generator generator) {
      this.model = model;
      this.generator = generator;
    }
  }

  private final MemreasonConfig.Engine engine;
  private final MeterRegistry meters;
  private final Map<Path, SharedBase> bases = new HashMap<>();

  public LlmVersionLoader(MemreasonConfig.Engine engine, MeterRegistry meters) {
    this.engine = engine;
    this.meters = meters;
  }

  @Override
  public Reasoner load(ModelSource source) {
    Path dir = source.baseModel().toAbsolutePath().normalize();
    SharedBase base = retainBase(dir);
    try {
      ModelAdapter version = base.model.adapt(source.adapter());
      try {
        checkStepTokens(base, version, source);
        return LlmReasoner.onVersion(base.generator, version, source.version(), Clock.systemUTC(),
            () -> releaseBase(dir, base));
      } catch (RuntimeException e) {
        version.close();
        throw e;
      }
    } catch (RuntimeException e) {
      releaseBase(dir, base);
      throw e;
    }
  }

  /** Bytes of the base weights loaded for {@code baseModel}, 0 when none are (for metrics). */
  public synchronized long baseBytes(Path baseModel) {
    SharedBase base = bases.get(baseModel.toAbsolutePath().normalize());
    return base == null ? 0 : base.model.nativeBytes();
  }

  private synchronized void checkStepTokens(SharedBase base, ModelAdapter version, ModelSource source) {
    int count = version.stepTokens().map(v -> v.tokens().size()).orElse(0);
    if (base.stepTokens >= 0 && base.stepTokens != count && base.versions > 1) {
      throw new IllegalStateException("model version " + source.version() + " has " + count + " step tokens, but the "
          + "versions served over " + source.baseModel() + " have " + base.stepTokens + ": versions that share a base "
          + "must share its step tokens (retrain from the serving version's adapter)");
    }
    base.stepTokens = count;
  }

  private synchronized SharedBase retainBase(Path dir) {
    SharedBase base = bases.get(dir);
    if (base == null) {
      LanguageModel model = LanguageModel.loadBase(dir, LanguageModel.LoadOptions.on(
          LanguageModel.device(engine.device()), engine.maxTotalTokens()));
      try {
        Generator generator = new Generator(model, GeneratorSettings.from(engine));
        base = new SharedBase(model, generator);
        List<Meter> previous = meters.getMeters().stream()
            .filter(m -> m.getId().getName().startsWith("memreason.engine.")).toList();
        previous.forEach(meters::remove);
        LlmReasoner.engineMetrics(generator, meters);
      } catch (RuntimeException e) {
        model.close();
        throw e;
      }
      bases.put(dir, base);
      log.info("loaded base model {} ({} MB of weights) for the versions served over it", dir,
          model.nativeBytes() / (1 << 20));
    }
    base.versions++;
    return base;
  }

  private void releaseBase(Path dir, SharedBase base) {
    synchronized (this) {
      if (--base.versions > 0) {
        return;
      }
      bases.remove(dir, base);
    }
    base.generator.close();
    base.model.close();
    log.info("closed base model {}: no version is served over it", dir);
  }
}
