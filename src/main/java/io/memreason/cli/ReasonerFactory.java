package io.memreason.cli;

import io.memreason.config.MemreasonConfig;
import io.memreason.reasoning.Reasoner;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The one place the commands get their model from ({@code serve}, {@code demo}, {@code bench pipeline}).
 *
 * <p>The engine reports what only it knows on the registry it is given: the number of sequences decoded together
 * at each decoding step, as a distribution summary named {@code memreason.engine.batch.size}
 * ({@code memreason_engine_batch_size} in Prometheus). Tokens generated are counted by the pipeline from each
 * finished trace.
 */
final class ReasonerFactory {
  private ReasonerFactory() {}

  static Reasoner create(MemreasonConfig config, MeterRegistry registry) {
    throw new IllegalStateException("this build has no model runtime wired in yet (io.memreason.llm): "
        + "serve, demo and bench need it; ask works against any running pipeline");
  }
}
