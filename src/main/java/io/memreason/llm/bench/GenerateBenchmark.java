package io.memreason.llm.bench;

import ai.djl.ndarray.NDManager;
import io.memreason.llm.LanguageModel;
import io.memreason.llm.LanguageModel.LoadOptions;
import io.memreason.llm.ModelAdapter;
import io.memreason.llm.adapter.LoraTarget;
import io.memreason.llm.adapter.StepTokenVocabulary;
import io.memreason.llm.generate.Completion;
import io.memreason.llm.generate.GenerationRequest;
import io.memreason.llm.generate.Generator;
import io.memreason.llm.generate.GeneratorSettings;
import io.memreason.llm.generate.GeneratorStats;
import io.memreason.llm.generate.SamplingParams;
import io.memreason.llm.generate.TokenListener;
import io.memreason.llm.model.LlamaConfig;
import io.memreason.llm.random.RandomAdapters;
import io.memreason.llm.random.RandomTensors;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Measures generation on a model of a given shape with random weights built in memory: for each batch size,
 * every worker gets that many requests at once (random prompts, greedy, no EOS), so it prefills them together
 * and decodes them as one batch. Rates are aggregates over the workers, which run concurrently. With versions, the
 * same batches also run on one version and on N versions mixed in every batch, over the same base, in the same run.
 */
public final class GenerateBenchmark {

  /**
   * What to measure.
   *
   * @param versions 0: the base model alone; N: also the same batches on one version and with N versions mixed (rows
   *     round-robin), each version random LoRA factors of rank {@code loraRank} on {@code loraTargets} plus step tokens
   */
  public record Plan(String shape, LlamaConfig config, int workers, List<Integer> batches, int promptTokens,
                     int newTokens, int versions, Set<LoraTarget> loraTargets, int loraRank) {

    /** The base model alone. */
    public Plan(String shape, LlamaConfig config, int workers, List<Integer> batches, int promptTokens, int newTokens) {
      this(shape, config, workers, batches, promptTokens, newTokens, 0, Set.of(), 0);
    }
  }

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
  public record Result(String shape, int workers, int batch, int promptTokens, int newTokens, String engine,
                       int versions, double prefillTokensPerSecond, double decodeTokensPerSecond, double decodeMillisPerStep,
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
      List<ModelAdapter> versions = new ArrayList<>();
      try (NDManager staging = NDManager.newBaseManager()) {
        StepTokenVocabulary steps = new StepTokenVocabulary(1, 1, List.of("<prefix_0>", "<answer_0>",
            "<assignment_0>", "<reason_0>", "<memory_0>"));
        for (int v = 0; v < plan.versions(); v++) {
          versions.add(model.adapt(
              Optional.of(RandomAdapters.lora(config, plan.loraTargets(), plan.loraRank(), plan.loraRank(), 40 + v,
                  0.02, staging)),
              Optional.of(RandomAdapters.stepTokens(steps, config.hiddenSize(), 80 + v, 0.02, staging)),
              Optional.empty(), "random version " + (v + 1)));
        }
      }
      try {
        for (int batch : plan.batches()) {
          out.accept(measure(plan, model, batch, "base", List.of()));
          if (!versions.isEmpty()) {
            out.accept(measure(plan, model, batch, "one version", versions.subList(0, 1)));
            if (versions.size() > 1) {
              out.accept(measure(plan, model, batch, versions.size() + " versions mixed", versions));
            }
          }
        }
      } finally {
        versions.forEach(ModelAdapter::close);
      }
    }
  }

  /** One batch size on the base ({@code versions} empty) or with rows spread round-robin over {@code versions}. */
  private static Result measure(Plan plan, LanguageModel model, int batch, String engine, List<ModelAdapter> versions)
      throws InterruptedException {
    int maxTotal = plan.promptTokens() + plan.newTokens() + 1;
    int vocabulary = model.config().vocabSize();
    GeneratorSettings settings = new GeneratorSettings(plan.workers(), batch, batch, maxTotal);
    try (Generator generator = new Generator(model, settings)) {
      // Warm-up: MKL and the JIT make the first passes much slower than the rest.
      generate(generator, plan.workers() * batch, plan.promptTokens(), 3, vocabulary, versions);
      GeneratorStats before = generator.stats();
      long start = System.nanoTime();
      long generated = generate(generator, plan.workers() * batch, plan.promptTokens(), plan.newTokens(),
          vocabulary, versions);
      long wall = System.nanoTime() - start;
      GeneratorStats after = generator.stats();
      return result(plan, batch, engine, versions.size(), before, after, generated, wall);
    }
  }

  private static Result result(Plan plan, int batch, String engine, int versions, GeneratorStats before,
                               GeneratorStats after, long generated, long wallNanos) {
    double prefillSeconds = (after.prefillNanos() - before.prefillNanos()) / 1e9 / plan.workers();
    double decodeSeconds = (after.decodeNanos() - before.decodeNanos()) / 1e9 / plan.workers();
    double decodeCpuSeconds = (after.decodeCpuNanos() - before.decodeCpuNanos()) / 1e9 / plan.workers();
    long steps = after.decodeSteps() - before.decodeSteps();
    long decoded = after.decodeTokens() - before.decodeTokens();
    return new Result(plan.shape(), plan.workers(), batch, plan.promptTokens(), plan.newTokens(), engine, versions,
        (after.prefillTokens() - before.prefillTokens()) / prefillSeconds, decoded / decodeSeconds,
        (after.decodeNanos() - before.decodeNanos()) / 1e6 / steps, generated / (wallNanos / 1e9),
        decoded / decodeCpuSeconds, (after.decodeCpuNanos() - before.decodeCpuNanos()) / 1e6 / steps);
  }

  /**
   * Submits {@code requests} random prompts at once (request i on version i mod N, or on the base when there are none)
   * and waits for all; returns the tokens generated.
   */
  private static long generate(Generator generator, int requests, int promptTokens, int newTokens, int vocabulary,
                               List<ModelAdapter> versions) throws InterruptedException {
    SplittableRandom random = new SplittableRandom(requests * 31L + newTokens);
    List<CompletableFuture<Completion>> done = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      CompletableFuture<Completion> f = new CompletableFuture<>();
      done.add(f);
      int[] prompt = random.ints(promptTokens, 3, vocabulary).toArray();
      GenerationRequest r = new GenerationRequest("bench-" + newTokens + "-" + i, prompt, SamplingParams.greedy(),
          newTokens);
      if (!versions.isEmpty()) {
        r = r.on(versions.get(i % versions.size()));
      }
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
