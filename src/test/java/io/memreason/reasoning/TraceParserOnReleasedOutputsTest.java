package io.memreason.reasoning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The parser on the nine generation files the paper's authors released (prompt + generation per item). */
class TraceParserOnReleasedOutputsTest {

  static final Path OUTPUTS = Path.of(System.getProperty("memreason.shared", "../shared"), "seed", "outputs");

  static Stream<Path> outputFiles() throws IOException {
    try (Stream<Path> files = Files.list(OUTPUTS)) {
      List<Path> all = files.filter(f -> f.toString().endsWith("_output.json")).sorted().toList();
      assertEquals(9, all.size(), "expected the nine released output files in " + OUTPUTS);
      return all.stream();
    }
  }

  @ParameterizedTest
  @MethodSource("outputFiles")
  void findsTheSameStepsAsAWholeTextRegexWhenFedInRandomChunks(Path file) throws IOException {
    List<String> texts = generatedTexts(file);
    Map<StepKind, Integer> parsed = new EnumMap<>(StepKind.class);
    Map<StepKind, Integer> expected = new EnumMap<>(StepKind.class);
    Random chunkSizes = new Random(7);
    for (String text : texts) {
      for (StepText step : parseInRandomChunks(text, chunkSizes)) {
        parsed.merge(step.kind(), 1, Integer::sum);
      }
      for (StepKind kind : StepKind.values()) {
        expected.merge(kind, countStepsByRegex(text, kind), Integer::sum);
      }
    }
    for (StepKind kind : StepKind.values()) {
      assertEquals(expected.get(kind), parsed.getOrDefault(kind, 0), kind + " steps in " + file.getFileName());
    }
    boolean llama = file.getFileName().toString().contains("meta-llama");
    double answersPerItem = parsed.getOrDefault(StepKind.ANSWER, 0) / (double) texts.size();
    // Llama checkpoints answer (almost) every item; Qwen's step tokens never reached the model (seed-reference §1.5).
    assertTrue(llama ? answersPerItem > 0.99 : answersPerItem == 0, "answers per item " + answersPerItem);
  }

  @ParameterizedTest
  @MethodSource("outputFiles")
  void readsTheGenerationAfterThePromptAsItReadsTheWholeText(Path file) throws IOException {
    Pattern promptPrefixGroup = Pattern.compile("<prefix_\\d+>(?:\\s*<prefix_\\d+>)*");
    for (String text : generatedTexts(file)) {
      Matcher prompt = promptPrefixGroup.matcher(text);
      assertTrue(prompt.find(), "every released prompt ends with the prefix group");
      String generation = text.substring(prompt.end());
      assertEquals(parse(TraceParser.forFullText(), text), parse(TraceParser.forGeneration(), generation));
    }
  }

  @Test
  void llama31AveragesMatchThePublishedStepStatistics() throws IOException {
    // seed-reference.md §6.1: Llama-3.1 writes 2.1 memory + 2.3 reason steps on StrategyQA, 0.9 + 4.3 on
    // CommonsenseQA, 2.1 + 3.8 on TruthfulQA.
    assertAverages("stratgeqa_agent__meta-llama__Llama-3.1-8B-Instruct_output.json", 2.1, 2.3);
    assertAverages("commonsenseqa_agent__meta-llama__Llama-3.1-8B-Instruct_output.json", 0.9, 4.3);
    assertAverages("truthfulqa_agent__meta-llama__Llama-3.1-8B-Instruct_output.json", 2.1, 3.8);
  }

  private static void assertAverages(String fileName, double memory, double reason) throws IOException {
    List<String> texts = generatedTexts(OUTPUTS.resolve(fileName));
    int memorySteps = 0;
    int reasonSteps = 0;
    for (String text : texts) {
      for (StepText step : parseInRandomChunks(text, new Random(1))) {
        memorySteps += step.kind() == StepKind.MEMORY ? 1 : 0;
        reasonSteps += step.kind() == StepKind.REASON ? 1 : 0;
      }
    }
    assertEquals(memory, memorySteps / (double) texts.size(), 0.05, "memory steps per item in " + fileName);
    assertEquals(reason, reasonSteps / (double) texts.size(), 0.05, "reason steps per item in " + fileName);
  }

  private static List<StepText> parseInRandomChunks(String text, Random chunkSizes) {
    TraceParser parser = TraceParser.forFullText();
    List<StepText> steps = new ArrayList<>();
    int at = 0;
    while (at < text.length()) {
      int end = Math.min(text.length(), at + 1 + chunkSizes.nextInt(24));
      steps.addAll(parser.accept(text.substring(at, end)));
      at = end;
    }
    parser.finish().lastStep().ifPresent(steps::add);
    return steps;
  }

  private static List<StepText> parse(TraceParser parser, String text) {
    List<StepText> steps = new ArrayList<>(parser.accept(text));
    parser.finish().lastStep().ifPresent(steps::add);
    return steps;
  }

  /** Kind groups that directly follow a prefix group, counted over the whole text at once. */
  private static int countStepsByRegex(String text, StepKind kind) {
    String names = switch (kind) {
      case MEMORY -> "memory|rag";
      case REASON -> "reason";
      case ASSIGNMENT -> "assignment";
      case ANSWER -> "answer";
    };
    return (int) Pattern.compile("<prefix_\\d+>(?:\\s*<prefix_\\d+>)*\\s*<(?:" + names + ")_\\d+>")
        .matcher(text).results().count();
  }

  static List<String> generatedTexts(Path file) throws IOException {
    try (Reader reader = Files.newBufferedReader(file)) {
      List<String> texts = new ArrayList<>();
      for (JsonElement item : JsonParser.parseReader(reader).getAsJsonArray()) {
        texts.add(item.getAsJsonObject().get("generated_text").getAsString());
      }
      return texts;
    }
  }
}
