package io.memreason.reasoning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.llm.generate.Completion;
import io.memreason.llm.generate.FinishReason;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TraceAssemblerTest {
  private static final StepTokens TOKENS = StepTokens.of(2, 2);
  private static final String PREFIX = TOKENS.prefix();

  /** Collects what a listener hears. */
  private static final class Heard implements TraceListener {
    final List<Step> steps = new ArrayList<>();
    Trace trace;

    @Override
    public void onStep(Step step) {
      steps.add(step);
    }

    @Override
    public void onFinished(Trace finished) {
      trace = finished;
    }
  }

  private static ReasoningRequest request(Task task) {
    return new ReasoningRequest("q1", "Is ice cold?", task, List.of(), new Decoding(0f, 1f, 0, 64, 7L));
  }

  /** Feeds each chunk as one token, as a generator would, and finishes with the given reason. */
  private static Heard run(Task task, List<String> chunks, FinishReason reason) {
    Heard heard = new Heard();
    TraceAssembler assembler = new TraceAssembler(request(task), "v1", heard,
        Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC));
    for (int i = 0; i < chunks.size(); i++) {
      assembler.onToken(i, chunks.get(i));
    }
    assembler.onFinished(new Completion("q1", reason, 12, new int[chunks.size()], String.join("", chunks),
        reason == FinishReason.FAILED ? Optional.of(new IllegalStateException("out of memory")) : Optional.empty()));
    return heard;
  }

  @Test
  void streamsEachStepWithItsTokenCountThenTheLabelledTrace() {
    List<String> chunks = List.of(TOKENS.group(StepKind.MEMORY), " Ice", " is", " frozen", " water.", "\n",
        PREFIX, TOKENS.group(StepKind.REASON), " So", " it", " is", " cold.", "\n",
        PREFIX, TOKENS.group(StepKind.ANSWER), " The answer is:", " True", "\n");
    Heard heard = run(Task.STRATEGYQA, chunks, FinishReason.EOS);

    assertEquals(List.of(StepKind.MEMORY, StepKind.REASON, StepKind.ANSWER),
        heard.steps.stream().map(Step::kind).toList());
    assertEquals("Ice is frozen water.", heard.steps.get(0).text());
    assertEquals("So it is cold.", heard.steps.get(1).text());
    assertEquals(List.of(0, 1, 2), heard.steps.stream().map(Step::index).toList());
    // Kind group + 4 words + newline; then prefix + kind + 4 words + newline; then prefix + kind + 3 chunks.
    assertEquals(List.of(6, 7, 5), heard.steps.stream().map(Step::tokenCount).toList());
    assertEquals(heard.steps, heard.trace.steps());
    assertEquals(Trace.Status.OK, heard.trace.status());
    assertEquals(Optional.of("True"), heard.trace.label());
    assertEquals(12, heard.trace.promptTokens());
    assertEquals(chunks.size(), heard.trace.generatedTokens());
    assertEquals("v1", heard.trace.modelVersion());
  }

  @Test
  void givenStepsComeFirstFlaggedGivenAndTheGeneratedStepsFollowWithTheirIndexes() {
    Heard heard = new Heard();
    ReasoningRequest request = new ReasoningRequest("q1", "Is ice cold?", Task.STRATEGYQA, List.of(),
        new Decoding(0f, 1f, 0, 64, 7L), List.of(new StepText(StepKind.MEMORY, "Ice is frozen water.")));
    TraceAssembler assembler = new TraceAssembler(request, "v1", heard,
        Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC));
    List<String> chunks = List.of(TOKENS.group(StepKind.REASON), " So", " it", " is", " cold.", "\n",
        PREFIX, TOKENS.group(StepKind.ANSWER), " The answer is:", " True", "\n");
    for (int i = 0; i < chunks.size(); i++) {
      assembler.onToken(i, chunks.get(i));
    }
    assembler.onFinished(new Completion("q1", FinishReason.EOS, 30, new int[chunks.size()], String.join("", chunks),
        Optional.empty()));

    assertEquals(List.of(0, 1, 2), heard.steps.stream().map(Step::index).toList());
    assertEquals(List.of(true, false, false), heard.steps.stream().map(Step::given).toList());
    assertEquals("Ice is frozen water.", heard.steps.get(0).text());
    assertEquals(0, heard.steps.get(0).tokenCount(), "a given step was not generated");
    assertEquals("So it is cold.", heard.steps.get(1).text());
    assertEquals(heard.steps, heard.trace.steps());
    assertEquals(Optional.of("True"), heard.trace.label());
  }

  @Test
  void aGenerationThatFailsAtOnceStillHasItsGivenStepsInTheTrace() {
    Heard heard = new Heard();
    ReasoningRequest request = new ReasoningRequest("q1", "Is ice cold?", Task.STRATEGYQA, List.of(),
        new Decoding(0f, 1f, 0, 64, 7L), List.of(new StepText(StepKind.MEMORY, "Ice is frozen water.")));
    new TraceAssembler(request, "v1", heard, Clock.systemUTC()).onFinished(new Completion("q1", FinishReason.FAILED, 30,
        new int[0], "", Optional.of(new IllegalStateException("out of memory"))));
    assertEquals(List.of(true), heard.trace.steps().stream().map(Step::given).toList());
    assertEquals(Trace.Status.FAILED, heard.trace.status());
  }

  @Test
  void aTraceCutByTheTokenLimitIsTruncatedAndKeepsItsPartialStep() {
    Heard heard = run(Task.STRATEGYQA, List.of(TOKENS.group(StepKind.MEMORY), " Ice", " is"),
        FinishReason.MAX_NEW_TOKENS);
    assertEquals(Trace.Status.TRUNCATED, heard.trace.status());
    assertEquals(1, heard.steps.size());
    assertEquals("Ice is", heard.steps.get(0).text());
    assertTrue(heard.trace.label().isEmpty());
    assertTrue(heard.trace.answer().isEmpty());
  }

  @Test
  void aFailedGenerationCarriesTheErrorAndNoLabel() {
    Heard heard = run(Task.STRATEGYQA, List.of(TOKENS.group(StepKind.ANSWER), " The answer is: True"),
        FinishReason.FAILED);
    assertEquals(Trace.Status.FAILED, heard.trace.status());
    assertEquals(Optional.of("out of memory"), heard.trace.error());
    assertTrue(heard.trace.label().isEmpty());
  }

  @Test
  void multipleChoiceLabelFallsBackToTheLastOptionLetterOfTheGeneration() {
    // No answer phrase: the last A-E letter of the upper-cased generation.
    Heard heard = run(Task.COMMONSENSEQA, List.of(TOKENS.group(StepKind.REASON), " pick d"), FinishReason.EOS);
    assertEquals(Optional.of("D"), heard.trace.label());
  }

  @Test
  void theLabelComesFromTheGeneratedTextNeverFromTheQuestion() {
    assertEquals(Optional.of("Ilva"), label(Task.ATLAS, "Which? The answer is: POISONED",
        TOKENS.group(StepKind.ANSWER) + " The answer is: Ilva\n"));
    assertEquals(Optional.empty(), label(Task.STRATEGYQA, "Is it? The answer is: true",
        TOKENS.group(StepKind.MEMORY) + " Ice is cold."));
  }

  private static Optional<String> label(Task task, String question, String generated) {
    Heard heard = new Heard();
    ReasoningRequest asked = new ReasoningRequest("q1", question, task, List.of(), new Decoding(0f, 1f, 0, 64, 7L));
    TraceAssembler assembler = new TraceAssembler(asked, "v1", heard, Clock.systemUTC());
    assembler.onToken(0, generated);
    assembler.onFinished(new Completion("q1", FinishReason.EOS, 12, new int[1], generated, Optional.empty()));
    return heard.trace.label();
  }
}
