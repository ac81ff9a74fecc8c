package io.memreason.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScoreCommandTest {

  private static final Path SEED = Path.of(System.getProperty("memreason.shared", "../shared"), "seed");

  @Test
  void printsTheScoreOfAReleasedOutputFileAsOneJsonLine() {
    CommandRun run = run("score", "--task", "commonsenseqa",
        "--gold", SEED.resolve("datasets/commonsense_qa_test_clean_CC.json").toString(),
        "--outputs", SEED.resolve("outputs/commonsenseqa_agent__meta-llama__Llama-2-7b-chat-hf_output.json").toString(),
        "--indices", SEED.resolve("eval_subset_indices.json").toString());
    assertEquals(0, run.exitCode(), run.err());
    List<String> lines = run.out().lines().toList();
    assertEquals("{\"n\":1200,\"correct\":858,\"accuracy\":0.715,\"invalid\":0,\"verdicts_differing_from_reference\":0}",
        lines.get(lines.size() - 1));
  }

  @Test
  void reportsAMismatchedGoldFileInOneLine() {
    CommandRun run = run("score", "--task", "strategyqa",
        "--gold", SEED.resolve("datasets/truthful_qa_test_clean_CC.json").toString(),
        "--outputs", SEED.resolve("outputs/stratgeqa_agent__meta-llama__Llama-2-7b-chat-hf_output.json").toString());
    assertEquals(1, run.exitCode());
    assertEquals(1, run.err().lines().count(), run.err());
    assertTrue(run.err().startsWith("memreason score: none of the 164 gold items has chain-of-thought steps"), run.err());
  }

  private static CommandRun run(String... args) {
    return CommandRun.of(args);
  }
}
