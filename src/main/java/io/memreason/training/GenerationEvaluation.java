package io.memreason.training;

import io.memreason.llm.CheckpointException;
import io.memreason.llm.LanguageModel;
import io.memreason.llm.generate.Completion;
import io.memreason.llm.generate.GenerationRequest;
import io.memreason.llm.generate.Generator;
import io.memreason.llm.generate.GeneratorSettings;
import io.memreason.llm.generate.SamplingParams;
import io.memreason.llm.generate.TokenListener;
import io.memreason.reasoning.StepTokens;
import io.memreason.reasoning.Task;
import io.memreason.reasoning.TraceTemplate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Answers gold items with a model the way the reference evaluates it: the prompt {@code "Question: " + q + "\n " +
 * PREFIX}, greedy generation with the runtime's generator until EOS or the token limit, and the text prompt +
 * generation scored with {@link ReferenceEvaluation} (the rules of {@code memreason score}).
 *
 * @param maxNewTokens generated tokens per question at most
 * @param maxTotalTokens prompt plus generation at most (the model must have been loaded for this many positions)
 */
public record GenerationEvaluation(Task task, int maxNewTokens, int maxTotalTokens, int workers, int maxBatch) {

  /** The outputs in gold order, each with its verdict, and their score. */
  public record Result(List<GeneratedOutput> outputs, Scorecard scorecard) {}

  public GenerationEvaluation {
    if (task == Task.OPEN) {
      throw new IllegalArgumentException("open questions have no labels to evaluate: pick the dataset's task");
    }
  }

  public Result run(LanguageModel model, List<SeedExample> gold) throws InterruptedException {
    StepTokens tokens = StepTokens.fromTokens(model.stepTokens().orElseThrow(() -> new CheckpointException(
        model + " has no step tokens (step_tokens.json): pass the fine-tuned adapter or model folder")).tokens());
    TraceTemplate template = new TraceTemplate(tokens);
    List<String> prompts = gold.stream().map(example -> template.prompt(example.question())).toList();
    List<CompletableFuture<String>> generations = new ArrayList<>();
    try (Generator generator = new Generator(model, new GeneratorSettings(workers, maxBatch,
        Math.max(1, gold.size()), maxTotalTokens))) {
      for (int i = 0; i < prompts.size(); i++) {
        generations.add(submit(generator, model, "eval-" + i, prompts.get(i)));
      }
      List<GeneratedOutput> outputs = new ArrayList<>();
      for (int i = 0; i < gold.size(); i++) {
        String text = prompts.get(i) + generations.get(i).get();
        outputs.add(new GeneratedOutput(text, Optional.of(task.isCorrect(text, gold.get(i).answer()))));
      }
      return new Result(outputs, ReferenceEvaluation.score(task, gold, outputs));
    } catch (ExecutionException e) {
      throw new IllegalStateException("generation failed: " + e.getCause().getMessage(), e.getCause());
    }
  }

  /** Queues one greedy generation; a prompt that leaves no room to generate yields an empty generation. */
  private CompletableFuture<String> submit(Generator generator, LanguageModel model, String id, String prompt)
      throws InterruptedException {
    int[] ids = model.tokenizer().encode(prompt);
    int room = Math.min(maxNewTokens, maxTotalTokens - ids.length);
    CompletableFuture<String> text = new CompletableFuture<>();
    if (room < 1) {
      text.complete("");
      return text;
    }
    TokenListener listener = new TokenListener() {
      @Override
      public void onToken(int tokenId, String newText) {
        // The whole text arrives with onFinished.
      }

      @Override
      public void onFinished(Completion completion) {
        completion.error().ifPresentOrElse(text::completeExceptionally, () -> text.complete(completion.text()));
      }
    };
    if (!generator.submit(new GenerationRequest(id, ids, SamplingParams.greedy(), room), listener,
        Duration.ofMinutes(10))) {
      throw new IllegalStateException("the generator queue stayed full for 10 minutes");
    }
    return text;
  }
}
