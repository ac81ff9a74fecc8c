package io.memreason.reasoning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TraceParserTest {

  private static final StepText IWO_JIMA = new StepText(StepKind.MEMORY,
      "The ship that recovered Apollo 13 was the USS Iwo Jima (LPH-2).");
  private static final StepText NAMED = new StepText(StepKind.REASON,
      "Since the USS Iwo Jima was named after the Battle of Iwo Jima, it was named after a World War II battle.");
  private static final StepText ANSWER = new StepText(StepKind.ANSWER, "The answer is: True");

  /** Llama-2 decodes the step tokens without spaces and with the legacy memory name. */
  private static final String UNSPACED = "Question: Was ship that recovered Apollo 13 named after a World War II battle?\n"
      + " <prefix_0><prefix_1><rag_0><rag_1><rag_2><rag_3> " + IWO_JIMA.text() + "\n"
      + "<prefix_0><prefix_1><reason_0><reason_1><reason_2><reason_3> " + NAMED.text() + "\n"
      + "<prefix_0><prefix_1><answer_0><answer_1><answer_2><answer_3> The answer is: True\n";

  /** Llama-3.1 keeps the spaces, has three prefix tokens and here five tokens per kind. */
  private static final String SPACED = "Question: Was ship that recovered Apollo 13 named after a World War II battle?\n"
      + "  <prefix_0> <prefix_1> <prefix_2> <memory_0> <memory_1> <memory_2> <memory_3> <memory_4> " + IWO_JIMA.text()
      + "\n <prefix_0> <prefix_1> <prefix_2> <reason_0> <reason_1> <reason_2> <reason_3> <reason_4> " + NAMED.text()
      + "\n <prefix_0> <prefix_1> <prefix_2> <answer_0> <answer_1> <answer_2> <answer_3> <answer_4> The answer is: True\n";

  @Test
  void readsTheUnspacedLegacyFormWithRagAsMemory() {
    Parsed parsed = parseWhole(TraceParser.forFullText(), UNSPACED);
    assertEquals(List.of(IWO_JIMA, NAMED, ANSWER), parsed.steps);
    assertFalse(parsed.ending.truncated());
  }

  @Test
  void readsTheSpacedFormWithAnyNumberOfTokensPerGroup() {
    Parsed parsed = parseWhole(TraceParser.forFullText(), SPACED);
    assertEquals(List.of(IWO_JIMA, NAMED, ANSWER), parsed.steps);
    assertFalse(parsed.ending.truncated());
  }

  @Test
  void emitsEachStepAsSoonAsTheNextPrefixGroupStarts() {
    TraceParser parser = TraceParser.forFullText();
    assertEquals(List.of(), parser.accept("Question: Was ship ...?\n  <prefix_0> <prefix_1> <prefix_2> <memory_0>"));
    assertEquals(List.of(), parser.accept(" " + IWO_JIMA.text() + "\n"));
    assertEquals(List.of(IWO_JIMA), parser.accept(" <prefix_0>"));
    assertEquals(List.of(), parser.accept(" <prefix_1> <prefix_2> <answer_0> The answer is: True\n"));
    // The answer step ends with the generation.
    assertEquals(new TraceParser.Ending(Optional.of(ANSWER), false), parser.finish());
  }

  @Test
  void givesTheSameStepsWhateverTheChunkBoundaries() {
    Parsed whole = parseWhole(TraceParser.forFullText(), SPACED);
    for (int size = 1; size <= 12; size++) {
      assertEquals(whole, parseInChunks(TraceParser.forFullText(), SPACED, size), "chunks of " + size);
    }
  }

  @Test
  void startsAfterThePromptsPrefixGroupWhenFedTheGenerationOnly() {
    String generation = " <memory_0> <memory_1> " + IWO_JIMA.text() + "\n <prefix_0> <prefix_1> <answer_0> <answer_1>"
        + " The answer is: True\n";
    assertEquals(List.of(IWO_JIMA, ANSWER), parseWhole(TraceParser.forGeneration(), generation).steps);
  }

  @Test
  void flushesACutOffStepAndReportsTruncation() {
    TraceParser parser = TraceParser.forGeneration();
    assertEquals(List.of(IWO_JIMA), parser.accept("<memory_0> " + IWO_JIMA.text() + "\n<prefix_0><reason_0> Since the"));
    TraceParser.Ending ending = parser.finish();
    assertEquals(Optional.of(new StepText(StepKind.REASON, "Since the")), ending.lastStep());
    assertTrue(ending.truncated());
  }

  @Test
  void reportsTruncationWhenTheModelStopsWithoutAnAnswer() {
    TraceParser parser = TraceParser.forGeneration();
    parser.accept("<reason_0> Nothing to answer.\n<prefix_0>");
    TraceParser.Ending ending = parser.finish();
    assertEquals(Optional.empty(), ending.lastStep());
    assertTrue(ending.truncated());
  }

  @Test
  void skipsTextThatNoKindGroupAnnounces() {
    // Qwen with its step tokens lost: garbage after the prompt's prefix group, then plain sentences.
    String garbled = "Question: q?\n  <prefix_0> <prefix_1> <prefix_2> เรีย  useRal ʹ Determine what is asked.\n"
        + " </tool_call> ể เด่น <memory_0> Analyze each option.\n วัฒน ที The answer is: D\n";
    Parsed parsed = parseWhole(TraceParser.forFullText(), garbled);
    assertEquals(List.of(), parsed.steps);
    assertTrue(parsed.ending.truncated());
  }

  @Test
  void keepsAKindTokenWrittenInsideAStepsText() {
    String text = "<reason_0><reason_1> Jumping is hasty or un<reason_0>ed thinking.\n<prefix_0><answer_0> The answer is: A";
    assertEquals(List.of(new StepText(StepKind.REASON, "Jumping is hasty or un<reason_0>ed thinking."),
        new StepText(StepKind.ANSWER, "The answer is: A")), parseWhole(TraceParser.forGeneration(), text).steps);
  }

  @Test
  void readsAssignmentStepsAndTakesTheKindFromTheGroupsFirstToken() {
    String text = "<assignment_0> <assignment_1> Let x be 3.\n <prefix_0> <memory_0> <reason_1> Paris is in France.";
    assertEquals(List.of(new StepText(StepKind.ASSIGNMENT, "Let x be 3."),
        new StepText(StepKind.MEMORY, "Paris is in France.")), parseWhole(TraceParser.forGeneration(), text).steps);
  }

  @Test
  void passesOnAnAngleBracketThatCannotBecomeAStepToken() {
    TraceParser parser = TraceParser.forGeneration();
    parser.accept("<reason_0> 3 <");
    parser.accept(" 4 and <b>bold</b> and <prefix");
    assertEquals(List.of(new StepText(StepKind.REASON, "3 < 4 and <b>bold</b> and")), parser.accept("_0>"));
  }

  @Test
  void refusesTextAfterFinish() {
    TraceParser parser = TraceParser.forGeneration();
    parser.finish();
    assertThrows(IllegalStateException.class, () -> parser.accept("more"));
    assertThrows(IllegalStateException.class, parser::finish);
  }

  /** All steps a parser read from a text, and how it ended. */
  record Parsed(List<StepText> steps, TraceParser.Ending ending) {}

  static Parsed parseWhole(TraceParser parser, String text) {
    return parseInChunks(parser, text, Math.max(1, text.length()));
  }

  static Parsed parseInChunks(TraceParser parser, String text, int chunkSize) {
    List<StepText> steps = new ArrayList<>();
    for (int i = 0; i < text.length(); i += chunkSize) {
      steps.addAll(parser.accept(text.substring(i, Math.min(text.length(), i + chunkSize))));
    }
    TraceParser.Ending ending = parser.finish();
    ending.lastStep().ifPresent(steps::add);
    return new Parsed(steps, ending);
  }
}
