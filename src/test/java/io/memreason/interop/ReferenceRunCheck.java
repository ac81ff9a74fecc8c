package io.memreason.interop;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import io.memreason.cli.CommandRun;
import io.memreason.llm.LanguageModel;
import io.memreason.llm.Logits;
import io.memreason.llm.LanguageModel.LoadOptions;
import io.memreason.llm.generate.Completion;
import io.memreason.llm.generate.GenerationRequest;
import io.memreason.llm.generate.Generator;
import io.memreason.llm.generate.GeneratorSettings;
import io.memreason.llm.generate.SamplingParams;
import io.memreason.llm.generate.TokenListener;
import io.memreason.llm.tokenizer.TextTokenizer;
import io.memreason.llm.weights.WeightLoader.LoraMode;
import io.memreason.reasoning.StepText;
import io.memreason.reasoning.TraceParser;
import io.memreason.training.SequenceFormat;
import io.memreason.training.TrainingText;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.function.Executable;

/**
 * The acceptance check of an imported reference run: with the imported adapter over the base, memreason's tokenizer
 * gives the reference's token ids (teacher-forced item included, also through the training path), its forward pass
 * the reference's logits within the case's tolerance and the same argmax, greedy decoding the same tokens (checked
 * step by step from the reference's logits and again through the serving generator), and decoding the same texts;
 * the trace parser reads the steps the teacher-forced text writes. LoRA merged and unmerged alike.
 */
final class ReferenceRunCheck {
  private ReferenceRunCheck() {}

  /** Runs {@code memreason import-reference} and returns the folder it wrote. */
  static Path importWithCommand(List<String> runArguments, Path base, Path out) {
    List<String> args = new ArrayList<>(List.of("import-reference"));
    args.addAll(runArguments);
    args.addAll(List.of("--base", base.toString(), "--out", out.toString()));
    CommandRun run = CommandRun.of(args.toArray(String[]::new));
    assertEquals(0, run.exitCode(), "import-reference failed: " + run.err());
    assertTrue(run.out().startsWith("imported "), run.out());
    return out;
  }

  /** Asserts everything the case records; returns the largest |Δlogit| seen. */
  static double check(ReferenceRunCase c, Path adapter) {
    double[] worst = new double[1];
    List<Executable> variants = new ArrayList<>();
    for (LoraMode mode : LoraMode.values()) {
      variants.add(() -> worst[0] = Math.max(worst[0], check(c, adapter, mode)));
    }
    assertAll(c.name(), variants);
    return worst[0];
  }

  private static double check(ReferenceRunCase c, Path adapter, LoraMode mode) throws InterruptedException {
    List<ReferenceRunCase.Item> items = new ArrayList<>(c.prompts());
    c.teacherForced().ifPresent(items::add);
    int longest = items.stream().mapToInt(i -> i.inputIds().length + i.greedy().map(g -> g.tokens().length).orElse(0))
        .max().orElse(1);
    String variant = c.name() + " (LoRA " + mode.name().toLowerCase(Locale.ROOT) + ")";
    double worst = 0;
    try (LanguageModel lm = LanguageModel.load(c.base(), LoadOptions.cpu(longest + 1).withAdapter(adapter, mode))) {
      TextTokenizer tokenizer = lm.tokenizer();
      for (ReferenceRunCase.Item item : items) {
        String where = variant + ", " + item.name();
        int[] encoded = tokenizer.encode(item.text());
        if (item.decoded().isPresent()) {
          encoded = Arrays.copyOf(encoded, encoded.length + 1);
          encoded[encoded.length - 1] = lm.config().eosTokenIds().get(0);
        }
        assertArrayEquals(item.inputIds(), encoded, where + ": token ids");
        worst = Math.max(worst, checkLogits(c, lm, item, where));
        if (item.greedy().isPresent()) {
          ReferenceRunCase.Greedy g = item.greedy().get();
          int[] all = concat(item.inputIds(), g.tokens());
          assertEquals(g.full(), tokenizer.decode(all), where + ": prompt + greedy tokens decoded as eval.py does");
          assertEquals(g.continuation(), tokenizer.decode(g.tokens()), where + ": greedy tokens decoded");
          if (mode == LoraMode.MERGED) {
            checkGenerator(lm, item, where);
          }
        } else {
          assertEquals(item.decoded().get(), tokenizer.decode(item.inputIds()), where + ": decoded as eval.py does");
          checkTrainingPath(c, lm, item, where);
          checkSteps(item.decoded().get(), where);
        }
      }
    }
    System.out.printf("reference run %s: max |logit diff| %.2e%n", variant, worst);
    return worst;
  }

  /**
   * One forward pass of the prompt and its greedy tokens: the prompt's logits, and at each greedy step the logits
   * that chose the next token, whose argmax must be that token (so greedy decoding writes the reference's tokens).
   */
  private static double checkLogits(ReferenceRunCase c, LanguageModel lm, ReferenceRunCase.Item item, String where) {
    int[] greedy = item.greedy().map(ReferenceRunCase.Greedy::tokens).orElse(new int[0]);
    int[] ids = concat(item.inputIds(), greedy);
    int vocab = lm.model().vocabularySize();
    float[] logits;
    try (NDManager m = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      int[][] mask = new int[1][ids.length];
      Arrays.fill(mask[0], 1);
      logits = lm.model().forward(m, new int[][] {ids}, mask).toFloatArray();
    }
    double worstPrompt = 0;
    for (int p = 0; p < item.inputIds().length; p++) {
      float[] row = Arrays.copyOfRange(logits, p * vocab, (p + 1) * vocab);
      worstPrompt = Math.max(worstPrompt, Logits.maxAbsDiff(item.logits()[p], row, where));
      assertEquals(item.argmax()[p], Logits.argmax(row), where + ": argmax at position " + p);
    }
    assertTrue(worstPrompt <= c.logitTolerance(), where + ": logits differ by " + worstPrompt + " > "
        + c.logitTolerance());
    double worstSteps = 0;
    for (int s = 0; s < greedy.length; s++) {
      int p = item.inputIds().length - 1 + s;
      float[] row = Arrays.copyOfRange(logits, p * vocab, (p + 1) * vocab);
      worstSteps = Math.max(worstSteps, Logits.maxAbsDiff(item.greedy().get().stepLogits()[s], row, where));
      assertEquals(greedy[s], Logits.argmax(row), where + ": greedy token " + s);
    }
    assertTrue(worstSteps <= c.stepLogitTolerance(), where + ": greedy step logits differ by " + worstSteps + " > "
        + c.stepLogitTolerance());
    return Math.max(worstPrompt, worstSteps);
  }

  /** The serving path: the continuous-batching generator (KV cache) writes the same tokens and text. */
  private static void checkGenerator(LanguageModel lm, ReferenceRunCase.Item item, String where)
      throws InterruptedException {
    ReferenceRunCase.Greedy g = item.greedy().get();
    CompletableFuture<Completion> done = new CompletableFuture<>();
    try (Generator generator = new Generator(lm, new GeneratorSettings(1, 1, 1, item.inputIds().length
        + g.tokens().length + 1))) {
      generator.submit(new GenerationRequest("case", item.inputIds(), SamplingParams.greedy(), g.tokens().length),
          new TokenListener() {
            @Override
            public void onToken(int tokenId, String newText) {
            }

            @Override
            public void onFinished(Completion completion) {
              done.complete(completion);
            }
          }, Duration.ofSeconds(30));
      Completion completion = done.get(60, TimeUnit.SECONDS);
      int[] expected = g.tokens();
      int eos = indexOfAny(expected, lm.config().eosTokenIds());
      if (eos >= 0) {
        expected = Arrays.copyOf(expected, eos + 1);
      }
      assertArrayEquals(expected, completion.tokens(), where + ": generator's greedy tokens");
      if (eos < 0) {
        assertEquals(g.continuation(), completion.text(), where + ": generator's text");
      }
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new AssertionError(where + ": generation failed", e);
    }
  }

  /** memreason's training text of the item (question part, then target) encodes to the reference's sequence. */
  private static void checkTrainingPath(ReferenceRunCase c, LanguageModel lm, ReferenceRunCase.Item item,
                                        String where) {
    String question = "Question: " + c.teacherForcedQuestion() + "\n ";
    assertTrue(item.text().startsWith(question), where + ": the training text starts with its question");
    TrainingText text = new TrainingText(question, item.text().substring(question.length()));
    SequenceFormat format = SequenceFormat.of(lm.config().bosTokenId(), lm.config().eosTokenIds().get(0),
        item.inputIds().length + 8);
    assertArrayEquals(item.inputIds(), format.encode(text, lm.tokenizer()::encodePlain).ids(),
        where + ": the training path's token ids");
  }

  /** The trace parser reads the steps the text writes, in order, from the text as eval.py decodes it. */
  private static void checkSteps(String decoded, String where) {
    TraceParser parser = TraceParser.forFullText();
    List<StepText> steps = new ArrayList<>(parser.accept(decoded));
    parser.finish().lastStep().ifPresent(steps::add);
    List<String> kinds = steps.stream().map(s -> s.kind().name().toLowerCase(Locale.ROOT)).toList();
    assertEquals(ReferenceRunCase.kindsWritten(decoded), kinds, where + ": steps parsed from " + decoded);
  }

  private static int indexOfAny(int[] tokens, List<Integer> ids) {
    for (int i = 0; i < tokens.length; i++) {
      if (ids.contains(tokens[i])) {
        return i;
      }
    }
    return -1;
  }

  private static int[] concat(int[] a, int[] b) {
    int[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
