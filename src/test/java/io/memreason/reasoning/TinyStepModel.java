package io.memreason.reasoning;

import io.memreason.llm.LanguageModel;
import io.memreason.llm.generate.Generator;
import io.memreason.llm.generate.GeneratorSettings;
import io.memreason.llm.random.ModelShape;
import io.memreason.llm.random.RandomCheckpoint;
import io.memreason.llm.safetensors.Dtype;
import java.nio.file.Path;
import java.time.Clock;

/**
 * A real model for tests of the serving path: the tiny random-weight Llama of {@code llm.random} with random step
 * tokens (P=2, S=2) and its byte-level tokenizer, written as a Hugging Face folder. It writes gibberish: use it
 * for prompts, limits, determinism and plumbing, not for answers.
 */
public final class TinyStepModel {
  public static final StepTokens TOKENS = StepTokens.of(2, 2);
  public static final int MAX_TOKENS = 256;

  private TinyStepModel() {}

  /** Writes the model folder; with {@code withStepTokens} false it is a plain base model. */
  public static void write(Path dir, boolean withStepTokens) {
    RandomCheckpoint.write(dir, ModelShape.TINY, 11L, Dtype.F32);
    if (withStepTokens) {
      RandomCheckpoint.writeStepTokens(dir, TOKENS.vocabulary(), ModelShape.TINY.hiddenSize(), 5);
    }
  }

  /** A reasoner over the model folder, with its own generator. */
  public static LlmReasoner reasoner(Path dir, String version, int workers, int maxBatch) {
    LanguageModel model = LanguageModel.load(dir, LanguageModel.LoadOptions.cpu(MAX_TOKENS));
    Generator generator = new Generator(model, new GeneratorSettings(workers, maxBatch, 8, MAX_TOKENS));
    return new LlmReasoner(model, generator, version, Clock.systemUTC());
  }
}
