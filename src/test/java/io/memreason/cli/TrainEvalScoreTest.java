package io.memreason.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.memreason.llm.TinyModels;
import io.memreason.llm.random.ModelShape;
import io.memreason.llm.random.RandomCheckpoint;
import io.memreason.llm.safetensors.Dtype;
import io.memreason.training.GeneratedOutput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole loop on StrategyQA with a tiny random base and a byte-level tokenizer: train (LoRA + step tokens,
 * evaluated at the epoch's end) → checkpoint → eval of the best checkpoint → score of eval's generations. On a
 * Llama base, and on a Qwen2 one (q/k/v biases, tied embeddings, a tokenizer that adds no BOS, as Qwen2's).
 */
class TrainEvalScoreTest {
  private static final Path DATASETS = Path.of(System.getProperty("memreason.shared", "../shared"), "seed", "datasets");

  @TempDir
  Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"llama", "qwen2"})
  void trainsEvaluatesAndScoreRescoresTheGenerationsAlike(String family) throws Exception {
    Path base = dir.resolve("base");
    if (family.equals("llama")) {
      RandomCheckpoint.write(base, ModelShape.TINY, 3, Dtype.F32);
    } else {
      RandomCheckpoint.write(base, TinyModels.of("qwen2-tied"), 3, Dtype.F32);
      JsonObject tokenizer = JsonParser.parseString(Files.readString(base.resolve("tokenizer.json"))).getAsJsonObject();
      tokenizer.add("post_processor", JsonParser.parseString("{\"type\": \"ByteLevel\", \"add_prefix_space\": false, "
          + "\"trim_offsets\": false, \"use_regex\": true}"));
      Files.writeString(base.resolve("tokenizer.json"), tokenizer.toString());
    }
    Path out = dir.resolve("run");
    Path test = DATASETS.resolve("StrategyQA_test_clean.json");

    CommandRun train = run("train", "--base", base.toString(), "--task", "strategyqa", "--out", out.toString(),
        "--dataset", DATASETS.resolve("StrategyQA_train_clean.json").toString(), "--train-limit", "24",
        "--epochs", "2", "--batch", "4", "--grad-accum", "2", "--max-length", "96", "--lr", "1e-3",
        "--lora-r", "4", "--prefix-tokens", "2", "--tokens-per-kind", "1",
        "--eval-dataset", test.toString(), "--eval-limit", "4", "--eval-max-new-tokens", "12");
    assertEquals(0, train.exitCode(), train.err());
    JsonObject summary = lastJsonLine(train.out());
    assertEquals(6, summary.get("steps").getAsInt());
    Path best = Path.of(summary.get("best").getAsString());
    for (String file : List.of("adapter_config.json", "adapter_model.safetensors", "step_tokens.json",
        "step_tokens.safetensors", "optimizer.safetensors", "trainer_state.json", "eval_generations.json")) {
      assertTrue(Files.isRegularFile(best.resolve(file)), file + " in " + best);
    }

    Path generations = dir.resolve("generations.json");
    CommandRun eval = run("eval", "--model", base.toString(), "--adapter", out.resolve("best").toString(),
        "--dataset", test.toString(), "--task", "strategyqa", "--limit", "4", "--max-new-tokens", "12",
        "--out", generations.toString(), "--set", "engine.workers=1", "--set", "engine.max-total-tokens=256",
        "--set", "engine.device=cpu");
    assertEquals(0, eval.exitCode(), eval.err());
    JsonObject evaluated = lastJsonLine(eval.out());
    assertEquals(4, evaluated.get("n").getAsInt());
    List<GeneratedOutput> outputs = GeneratedOutput.readAll(generations);
    assertEquals(4, outputs.size());
    assertTrue(outputs.get(0).generatedText().startsWith("Question: Was ship that recovered Apollo 13 named after "
        + "a World War II battle?\n  <prefix_0> <prefix_1>"), outputs.get(0).generatedText());

    Path indices = dir.resolve("first-four.json");
    Files.writeString(indices, "[0, 1, 2, 3]");
    CommandRun score = run("score", "--task", "strategyqa", "--gold", test.toString(), "--outputs", generations.toString(),
        "--indices", indices.toString());
    assertEquals(0, score.exitCode(), score.err());
    JsonObject scored = lastJsonLine(score.out());
    assertEquals(evaluated.get("correct"), scored.get("correct"));
    assertEquals(0, scored.get("verdicts_differing_from_reference").getAsInt());
  }

  private static JsonObject lastJsonLine(String out) {
    List<String> lines = out.lines().toList();
    return JsonParser.parseString(lines.get(lines.size() - 1)).getAsJsonObject();
  }

  private static CommandRun run(String... args) {
    return CommandRun.of(args);
  }
}
