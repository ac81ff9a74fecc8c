package io.memreason.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.avro.Answer;
import io.memreason.avro.AnswerStatus;
import io.memreason.avro.Feedback;
import io.memreason.avro.ModelAccuracy;
import io.memreason.avro.ModelStatus;
import io.memreason.avro.MemoryVerdict;
import io.memreason.avro.ModelVersion;
import io.memreason.avro.ReasoningStep;
import io.memreason.avro.StepKind;
import io.memreason.avro.StepVerification;
import io.memreason.avro.StepVerdict;
import io.memreason.avro.Task;
import io.memreason.avro.Verdict;
import io.memreason.feedback.RetrainJob;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TracePrinterTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

  private static ReasoningStep step(String id, int index, StepKind kind) {
    return new ReasoningStep(id, index, kind, kind + " text " + index, "v1", 3, T, T, false, null);
  }

  private static Answer answer(String id, List<ReasoningStep> steps) {
    return Answer.newBuilder().setQuestionId(id).setQuestion("?").setTask(Task.STRATEGYQA)
        .setAnswerText("The answer is: True").setLabel("True").setSteps(steps).setModelVersion("v1")
        .setStatus(AnswerStatus.OK).setPromptTokens(5).setGeneratedTokens(17).setSubmittedAt(T)
        .setAnsweredAt(T.plusMillis(1234)).setLatencyMs(1234).build();
  }

  private List<String> lines() {
    return bytes.toString(StandardCharsets.UTF_8).lines().toList();
  }

  @Test
  void printsStepsInTraceOrderWithKindLabelsThenTheAnswer() {
    TracePrinter printer = new TracePrinter(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, Set.of("q"));
    // The reason step's topic delivered first: it waits for the memory step before it.
    printer.onStep(step("q", 1, StepKind.REASON));
    assertTrue(lines().isEmpty());
    printer.onStep(step("q", 0, StepKind.MEMORY));
    printer.onStep(step("other", 0, StepKind.MEMORY));
    // Step 2 is still on its way when the answer arrives: the answer's trace supplies it.
    printer.onAnswer(answer("q", List.of(step("q", 0, StepKind.MEMORY), step("q", 1, StepKind.REASON),
        step("q", 2, StepKind.ASSIGNMENT))));

    assertEquals(List.of(
        "[memory] q #0  MEMORY text 0",
        "[reason] q #1  REASON text 1",
        "[step]   q #2  ASSIGNMENT text 2",
        "[answer] q  The answer is: True  label True · OK · model v1 · 1234 ms · 17 tokens"), lines());
    assertTrue(printer.hasAnswered("q"));
    printer.onStep(step("q", 0, StepKind.MEMORY));
    assertEquals(4, lines().size(), "a step arriving after its answer was printed with the answer");
  }

  private static ReasoningStep memory(String id, int index, String text, boolean given, StepVerification v) {
    return new ReasoningStep(id, index, StepKind.MEMORY, text, "v1", 3, T, T, given, v);
  }

  @Test
  void marksGivenStepsAndVerdictsAndFollowsTheRevisionsThePipelineAsks() {
    TracePrinter printer = new TracePrinter(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, Set.of("q"));
    printer.onStep(memory("q", 0, "Gralel was born in Droren.", false, new StepVerification(MemoryVerdict.CONTRADICTED,
        "Gralel was born in Mamum.", "atlas-world", "r")));
    printer.onStep(memory("q", 1, "Ferel was born in Mamum.", false,
        new StepVerification(MemoryVerdict.SUPPORTED, null, "atlas-world", null)));
    printer.onStep(memory("q", 2, "Ferel lives in Mamum.", false,
        new StepVerification(MemoryVerdict.UNKNOWN, null, "atlas-world", null)));
    printer.onStep(memory("r", 0, "Gralel was born in Mamum.", true, null));
    printer.onStep(memory("unfollowed", 0, "Gralel was born in Mamum.", true, null));

    assertEquals(List.of(
        "[memory] q #0  Gralel was born in Droren.  ✗ contradicted by atlas-world: Gralel was born in Mamum."
            + " → revised as r",
        "[memory] q #1  Ferel was born in Mamum.  ✓ supported",
        "[memory] q #2  Ferel lives in Mamum.  ? unknown to atlas-world",
        "[revision] r  revises q step #0: the steps before it and the correct fact given, the model continues",
        "[memory] r #0  Gralel was born in Mamum.  (given)"), lines());
  }

  @Test
  void coloursMemoryAndReasonDifferentlyWhenColourIsOn() {
    TracePrinter printer = new TracePrinter(new PrintStream(bytes, true, StandardCharsets.UTF_8), true, Set.of("q"));
    printer.onStep(step("q", 0, StepKind.MEMORY));
    printer.onStep(step("q", 1, StepKind.REASON));
    List<String> lines = lines();
    assertTrue(lines.get(0).startsWith("\u001B[36m[memory]\u001B[0m"), lines.get(0));
    assertTrue(lines.get(1).startsWith("\u001B[33m[reason]\u001B[0m"), lines.get(1));
  }

  private static ModelVersion version(String name, ModelStatus status, Map<String, Double> metrics, String reason) {
    return ModelVersion.newBuilder().setVersion(name).setBaseModel("/base").setLocation("/registry/" + name)
        .setParentVersion("v1").setStatus(status).setMetrics(metrics).setReason(reason).setCreatedAt(T).build();
  }

  @Test
  void printsEachChangeOfAVersionsAccuracyAndEachPromotionOrRejection() {
    TracePrinter printer = new TracePrinter(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, Set.of());
    printer.onAccuracy(new ModelAccuracy("v1", 8L, 3L, 5L, 8L, 4L, 8L, 1L, T));
    Map<String, Double> trained = Map.of(RetrainJob.TRAIN_TRACES, 8.0, RetrainJob.TRAIN_REPLAY, 200.0,
        RetrainJob.TRAIN_SECONDS, 95.0);
    printer.onModelVersion(version("v2", ModelStatus.PROMOTED, trained,
        "eval accuracy 0.8400 >= v1's 0.8000 - tolerance 0.0200"));
    printer.onModelVersion(version("v1", ModelStatus.RETIRED, Map.of(), "replaced by v2"));
    printer.onModelVersion(version("v3", ModelStatus.REJECTED, Map.of(), "retraining failed: the loss is NaN"));

    assertEquals(List.of(
        "[accuracy] v1  3 of 8 labelled answers correct (37.5 %) · memory steps wrong 4/8 · reason steps wrong 1/8",
        "[model] v2 PROMOTED  eval accuracy 0.8400 >= v1's 0.8000 - tolerance 0.0200: new questions go to v2"
            + " · trained from v1 on 8 labelled traces and 200 replayed items in 95 s",
        "[model] v3 REJECTED  retraining failed: the loss is NaN"), lines());
  }

  @Test
  void printsTheDemosLabelsAndASummaryOfTheLatestAccuracyOfEachVersion() {
    TracePrinter printer = new TracePrinter(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, Set.of());
    printer.label(Feedback.newBuilder().setQuestionId("q1").setVerdict(Verdict.INCORRECT).setCorrectedAnswer("Mamum")
        .setStepVerdicts(List.of(new StepVerdict(0, false, "Gralel was born in Mamum."), new StepVerdict(1, true, null),
            new StepVerdict(2, false, null)))
        .setLabeller("t").setLabelledAt(T).build());
    printer.onAccuracy(new ModelAccuracy("v1", 4L, 1L, 3L, 0L, 0L, 0L, 0L, T));
    printer.onAccuracy(new ModelAccuracy("v1", 14L, 9L, 5L, 0L, 0L, 0L, 0L, T));
    printer.onAccuracy(new ModelAccuracy("v2", 28L, 24L, 4L, 0L, 0L, 0L, 0L, T));
    printer.accuracySummary();

    List<String> lines = lines();
    assertEquals("[label]  q1  INCORRECT → Mamum · steps wrong #0 (corrected), #2", lines.get(0));
    assertEquals("[accuracy] per version: v1 9 of 14 (64.3 %) · v2 24 of 28 (85.7 %)", lines.get(lines.size() - 1));
    assertEquals(42, printer.labelled());
  }
}
