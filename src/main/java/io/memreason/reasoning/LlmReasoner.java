package io.memreason.reasoning;

import io.memreason.llm.LanguageModel;
import io.memreason.llm.ModelAdapter;
import io.memreason.llm.adapter.StepTokenVocabulary;
import io.memreason.llm.generate.GenerationRequest;
import io.memreason.llm.generate.Generator;
import io.memreason.llm.generate.GeneratorStats;
import io.memreason.llm.generate.SamplingParams;
import io.memreason.llm.tokenizer.TextTokenizer;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

/**
 * The {@link Reasoner} behind the pipeline: the method's prompt for each question, the model's continuous-batching
 * {@link Generator} to write the trace, and a {@link TraceAssembler} per request to parse the steps as they are
 * written. Either it owns a model and its generator (closing the reasoner frees both), or it is one version
 * ({@link ModelAdapter}) on a generator shared with other versions over the same base ({@link #onVersion}).
 */
public final class LlmReasoner implements Reasoner {
  private final Generator generator;
  private final Optional<ModelAdapter> version;
  private final TextTokenizer tokenizer;
  private final TraceTemplate template;
  private final String modelVersion;
  private final Clock clock;
  private final AutoCloseable owned;
  /** The step tokens' ids: {@code [firstStepTokenId, firstStepTokenId + count)}. */
  private final int firstStepTokenId;
  private final int stepTokenCount;

  /**
   * @param model a model fine-tuned with step tokens (they define the prompt)
   * @param modelVersion the name reported on every step and answer
   */
  public LlmReasoner(LanguageModel model, Generator generator, String modelVersion, Clock clock) {
    this(generator, Optional.empty(), template(model.stepTokens(), model), model.tokenizer(),
        model.firstStepTokenId(), modelVersion, clock, () -> {
          generator.close();
          model.close();
        });
  }

  private LlmReasoner(Generator generator, Optional<ModelAdapter> version, TraceTemplate template,
                      TextTokenizer tokenizer, int firstStepTokenId, String modelVersion, Clock clock,
                      AutoCloseable owned) {
    this.firstStepTokenId = firstStepTokenId;
    this.stepTokenCount = template.tokens().count();
    this.generator = generator;
    this.version = version;
    this.tokenizer = tokenizer;
    this.template = template;
    this.modelVersion = modelVersion;
    this.clock = clock;
    this.owned = owned;
  }

  /**
   * One version on a generator shared with other versions over its base: its requests run in the same batches as
   * theirs. This owns {@code version} (closing the reasoner drops it, once its last request ends), then runs
   * {@code onClose}; not the generator.
   */
  public static LlmReasoner onVersion(Generator shared, ModelAdapter version, String modelVersion, Clock clock,
                                      Runnable onClose) {
    return new LlmReasoner(shared, Optional.of(version), template(version.stepTokens(), version), version.tokenizer(),
        version.firstStepTokenId(), modelVersion, clock, () -> {
          version.close();
          onClose.run();
        });
  }

  private static TraceTemplate template(Optional<StepTokenVocabulary> steps, Object model) {
    return new TraceTemplate(StepTokens.fromTokens(steps
        .orElseThrow(() -> new IllegalArgumentException(model + " has no step tokens (step_tokens.json): "
            + "memreason serves models fine-tuned with memory/reason step tokens; train one with memreason train"))
        .tokens()));
  }

  /**
   * Reports the engine's work on a registry: the batch size of every decode step (continuous batching), prompt
   * tokens run through prefill, and requests queued or running.
   */
  public LlmReasoner withMetrics(MeterRegistry registry) {
    engineMetrics(generator, registry);
    return this;
  }

  /** The meters of {@link #withMetrics} for a generator shared by several versions. */
  public static void engineMetrics(Generator generator, MeterRegistry registry) {
    DistributionSummary batchSizes = DistributionSummary.builder("memreason.engine.batch.size")
        .description("Sequences decoded together per decoding step").register(registry);
    generator.observeDecodeSteps(batchSizes::record);
    FunctionCounter.builder("memreason.engine.prefill.tokens", generator, g -> g.stats().prefillTokens())
        .description("Prompt tokens run through prefill").register(registry);
    Gauge.builder("memreason.engine.requests.live", generator, Generator::liveRequests)
        .description("Requests queued or being generated").register(registry);
  }

  @Override
  public boolean submit(ReasoningRequest request, TraceListener listener, Duration timeout)
      throws InterruptedException {
    int[] prompt = tokenizer.encode(template.prompt(request));
    requireOnlyTheTemplatesStepTokens(request, prompt);
    Decoding d = request.decoding();
    GenerationRequest generation = new GenerationRequest(request.id(), prompt,
        new SamplingParams(d.temperature(), d.topP(), d.topK(), d.seed()), d.maxNewTokens(), version);
    return generator.submit(generation, new TraceAssembler(request, modelVersion, listener, clock), timeout);
  }

  /**
   * The template makes the question's and the given steps' text inert ({@link TraceTemplate#inert}), so the prompt's
   * step tokens are the template's own: the groups around the given steps and the prefix group at its end. Should a
   * tokenizer still find step tokens in that text (a normalizer that rewrites the escape, say), the question is
   * refused rather than let it write its own steps.
   */
  private void requireOnlyTheTemplatesStepTokens(ReasoningRequest request, int[] prompt) {
    long stepTokens = Arrays.stream(prompt)
        .filter(id -> id >= firstStepTokenId && id < firstStepTokenId + stepTokenCount).count();
    int expected = template.stepTokensInPrompt(request);
    if (stepTokens != expected) {
      throw new IllegalArgumentException("question " + request.id() + " encodes to " + stepTokens
          + " step tokens where the prompt has " + expected + ": its text and its given steps must not contain"
          + " step tokens");
    }
  }

  @Override
  public void cancel(String requestId) {
    generator.cancel(requestId);
  }

  @Override
  public String modelVersion() {
    return modelVersion;
  }

  /** The engine's counters since start (throughput, batch sizes, native arrays held). */
  public GeneratorStats stats() {
    return generator.stats();
  }

  /** Native memory this version adds to its base (0 for a reasoner that owns its whole model). */
  public long versionBytes() {
    return version.map(ModelAdapter::nativeBytes).orElse(0L);
  }

  @Override
  public void close() {
    try {
      owned.close();
    } catch (Exception e) {
      throw new IllegalStateException("closing model version " + modelVersion + " failed: " + e.getMessage(), e);
    }
  }
}
