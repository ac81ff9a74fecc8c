package io.memreason.llm.bench;

import io.memreason.llm.LanguageModel;
import io.memreason.llm.LanguageModel.LoadOptions;
import io.memreason.llm.generate.Completion;
import io.memreason.llm.generate.GenerationRequest;
import io.memreason.llm.generate.Generator;
import io.memreason.llm.generate.GeneratorSettings;
import io.memreason.llm.generate.GeneratorStats;
import io.memreason.llm.generate.SamplingParams;
import io.memreason.llm.generate.TokenListener;
import io.memreason.llm.model.LlamaConfig;
import io.memreason.llm.random.RandomTensors;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Measures generation on a model of a given shape with random weights built in memory: for each batch size,
 * every worker gets that many requests at once (random prompts, greedy, no EOS), so it prefills them together
 * and decodes them as one batch. Rates are aggregates over the workers, which run concurrently.
 */
public final class GenerateBenchmark {

  /** What to measure. */
  public record Plan(String shape, LlamaConfig config, int workers, List<Integer> batches, int promptTokens,
                     int newTokens) {}

  /**
   * One measurement.
   *
   * @param prefillTokensPerSecond prompt tokens processed per second, all workers together
   * @param decodeTokensPerSecond tokens generated per second by decode steps, all workers together
   * @param decodeMillisPerStep mean time of one decode step of one worker
   * @param wallTokensPerSecond generated tokens (first ones included) over the wall time of the run
   * @param decodeTokensPerCpuSecond decode rate if every worker had a core to itself: tokens over the worker
   *     threads' CPU time (a noisy machine slows wall time much more than CPU time)
   * @param decodeCpuMillisPerStep CPU time of one decode step of one worker
   */
  public record Result(String shape, int workers, int batch, int promptTokens, int newTokens,
                       double prefillTokensPerSecond, double decodeTokensPerSecond, double decodeMillisPerStep,
                       double wallTokensPerSecond, double decodeTokensPerCpuSecond, double decodeCpuMillisPerStep) {}

  private GenerateBenchmark() {}

  /** Runs the plan, handing each result to {@code out} as soon as it is measured. */
  public static void run(Plan plan, Consumer<Result> out) throws InterruptedException {
    LlamaConfig c = plan.config();
    // No EOS: every request generates exactly newTokens.
    LlamaConfig config = new LlamaConfig(c.vocabSize(), c.hiddenSize(), c.intermediateSize(), c.layers(), c.heads(),
        c.kvHeads(), c.headDim(), c.rmsNormEps(), c.ropeTheta(), c.ropeScaling(), c.tieWordEmbeddings(),
        c.bosTokenId(), List.of(), c.maxPositionEmbeddings(), c.family(), c.biases(), c.slidingWindow());
    int maxTotal = plan.promptTokens() + plan.newTokens() + 1;
    try (LanguageModel model = LanguageModel.fromTensors(config, new RandomTensors(config, 1, 0.02),
        LoadOptions.cpu(maxTotal))) {
      for (int batch : plan.batches()) {
        GeneratorSettings settings = new GeneratorSettings(plan.workers(), batch, batch, maxTotal);
        try (Generator generator = new Generator(model, settings)) {
          // Warm-up: MKL and the JIT make the first passes much slower than the rest.
          generate(generator, plan.workers() * batch, plan.promptTokens(), 3, config.vocabSize());
          GeneratorStats before = generator.stats();
          long start = System.nanoTime();
          long generated = generate(generator, plan.workers() * batch, plan.promptTokens(), plan.newTokens(),
              config.vocabSize());
          long wall = System.nanoTime() - start;
          GeneratorStats after = generator.stats();
          out.accept(result(plan, batch, before, after, generated, wall));
        }
      }
    }
  }

  private static Result result(Plan plan, int batch, GeneratorStats before, GeneratorStats after, long generated,
                               long wallNanos) {
    double prefillSeconds = (after.prefillNanos() - before.prefillNanos()) / 1e9 / plan.workers();
    double decodeSeconds = (after.decodeNanos() - before.decodeNanos()) / 1e9 / plan.workers();
    double decodeCpuSeconds = (after.decodeCpuNanos() - before.decodeCpuNanos()) / 1e9 / plan.workers();
    long steps = after.decodeSteps() - before.decodeSteps();
    long decoded = after.decodeTokens() - before.decodeTokens();
    return new Result(plan.shape(), plan.workers(), batch, plan.promptTokens(), plan.newTokens(),
        (after.prefillTokens() - before.prefillTokens()) / prefillSeconds, decoded / decodeSeconds,
        (after.decodeNanos() - before.decodeNanos()) / 1e6 / steps, generated / (wallNanos / 1e9),
        decoded / decodeCpuSeconds, (after.decodeCpuNanos() - before.decodeCpuNanos()) / 1e6 / steps);
  }

  /** Submits {@code requests} random prompts at once and waits for all; returns the tokens generated. */
  private static long generate(Generator generator, int requests, int promptTokens, int newTokens, int vocabulary)
      throws InterruptedException {
    SplittableRandom random = new SplittableRandom(requests * 31L + newTokens);
    List<CompletableFuture<Completion>> done = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      CompletableFuture<Completion> f = new CompletableFuture<>();
      done.add(f);
      int[] prompt = random.ints(promptTokens, 3, vocabulary).toArray();
      GenerationRequest r = new GenerationRequest("bench-" + newTokens + "-" + i, prompt, SamplingParams.greedy(),
          newTokens);
      if (!generator.submit(r, listener(f), Duration.ofMinutes(10))) {
        throw new IllegalStateException("the generator's queue stayed full");
      }
    }
    long tokens = 0;
    for (CompletableFuture<Completion> f : done) {
      try {
        Completion c = f.get(1, TimeUnit.HOURS);
        if (c.error().isPresent()) {
          throw new IllegalStateException("generation failed: " + c.error().get().getMessage(), c.error().get());
        }
        tokens += c.generatedTokens();
      } catch (ExecutionException | TimeoutException e) {
        throw new IllegalStateException("generation did not finish: " + e.getMessage(), e);
      }
    }
    return tokens;
  }

  private static TokenListener listener(CompletableFuture<Completion> done) {
    return new TokenListener() {
      @Override
      public void onToken(int tokenId, String newText) {}

      @Override
      public void onFinished(Completion completion) {
        done.complete(completion);
      }
    };
  }
}
