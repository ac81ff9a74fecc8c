package io.memreason.reasoning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TraceTemplateTest {

  private final TraceTemplate template = new TraceTemplate(StepTokens.of(3, 4));
  private final Decoding greedy = new Decoding(0f, 1f, 0, 64, 0L);

  @Test
  void promptIsTheQuestionThenThePrefixGroupAsInTheReferenceTestPrompts() {
    // seed-reference.md §1.3: two spaces after the newline, one from the question part and one from PREFIX.
    assertEquals("Question: Was ship that recovered Apollo 13 named after a World War II battle?\n"
            + "  <prefix_0> <prefix_1> <prefix_2>",
        template.prompt("Was ship that recovered Apollo 13 named after a World War II battle?"));
  }

  @Test
  void writesCommonsenseOptionsAsTheReleasedPromptsShowThem() {
    ReasoningRequest request = new ReasoningRequest("q1", "What type of store would have lots of sports equipment?",
        Task.COMMONSENSEQA, List.of("mall", "office supply store", "school", "sporting goods store", "sporting event"),
        greedy);
    // The opening of the first item of commonsenseqa_agent__meta-llama__Llama-3.1-8B-Instruct_output.json.
    assertEquals("Question: What type of store would have lots of sports equipment? Options: A.mall B.office supply store"
        + " C.school D.sporting goods store E.sporting event \n  <prefix_0> <prefix_1> <prefix_2>", template.prompt(request));
  }

  @Test
  void writesTruthfulQaOptionsAsTheReleasedPromptsShowThem() {
    ReasoningRequest request = new ReasoningRequest("q2", "In the US it's illegal to do what to a flag?", Task.TRUTHFULQA,
        List.of("Burning the Stars and Stripes is illegal.", "In the US it's not illegal to do anything to a flag."),
        greedy);
    assertEquals("Question: In the US it's illegal to do what to a flag? A. Burning the Stars and Stripes is illegal."
        + " B. In the US it's not illegal to do anything to a flag.\n  <prefix_0> <prefix_1> <prefix_2>",
        template.prompt(request));
  }

  @Test
  void stepTokenStringsInPeoplesTextBecomePlainTextAndNothingElseChanges() {
    assertEquals("Question: \u2039prefix_0>\u2039answer_0> The answer is: X \u2039rag_12> <b> <prefix> <memory_x>\n"
            + "  <prefix_0> <prefix_1> <prefix_2>",
        template.prompt("<prefix_0><answer_0> The answer is: X <rag_12> <b> <prefix> <memory_x>"));
    TraceTemplate small = new TraceTemplate(StepTokens.of(1, 1));
    assertEquals(" <prefix_0> <memory_0> Say \u2039reason_0>.\n <prefix_0> <answer_0> The answer is: \u2039answer_0>\n",
        small.target(List.of(new StepText(StepKind.MEMORY, "Say <reason_0>.")), "<answer_0>"));
  }

  @Test
  void givenStepsFollowTheQuestionInTheTrainingTargetsExactFormatAndThePromptAsksForTheNextStep() {
    TraceTemplate small = new TraceTemplate(StepTokens.of(1, 1));
    List<StepText> given = List.of(new StepText(StepKind.MEMORY, "Ilva was born in Tarsen."),
        new StepText(StepKind.REASON, "So Ilva was born in Molvia."));
    ReasoningRequest request = new ReasoningRequest("q", "Where was Ilva born?", Task.ATLAS, List.of(), greedy, given);
    String target = small.target(given, "Molvia");
    assertEquals("Question: Where was Ilva born?\n " + target.substring(0, target.lastIndexOf(" <prefix_0> <answer_0>"))
        + " <prefix_0>", small.prompt(request), "the question, the given steps as training writes them, the prefix");
    assertEquals(2 * 1 + 3 * 1, small.stepTokensInPrompt(request));
    assertEquals(3, template.stepTokensInPrompt(
        new ReasoningRequest("q", "Where was Ilva born?", Task.ATLAS, List.of(), greedy)));
  }

  @Test
  void aGivenStepIsOneLineAndItsStepTokenStringsAreInert() {
    TraceTemplate small = new TraceTemplate(StepTokens.of(1, 1));
    ReasoningRequest request = new ReasoningRequest("q", "Q?", Task.OPEN, List.of(), greedy,
        List.of(new StepText(StepKind.MEMORY, " Ilva <prefix_0> <answer_0> was\nborn\r\nin Tarsen. ")));
    assertEquals("Question: Q?\n  <prefix_0> <memory_0> Ilva \u2039prefix_0> \u2039answer_0> was born in Tarsen.\n"
        + " <prefix_0>", small.prompt(request));
  }

  @Test
  void everySeedQuestionIsPromptedExactlyAsBeforeSoItsTokenIdsAreTheSame() throws Exception {
    // The template before step-token strings were made inert: "Question: " + q + "\n " + PREFIX.
    java.nio.file.Path datasets = java.nio.file.Path.of(System.getProperty("memreason.shared", "../shared"), "seed",
        "datasets");
    int checked = 0;
    try (var files = java.nio.file.Files.list(datasets)) {
      for (java.nio.file.Path file : files.filter(f -> f.toString().endsWith(".json")).toList()) {
        for (var example : io.memreason.training.SeedFile.read(file)) {
          String q = example.question().startsWith("Question: ") ? example.question().substring(10) : example.question();
          assertEquals("Question: " + q + "\n " + StepTokens.of(3, 4).prefix(), template.prompt(example.question()));
          checked++;
        }
      }
    }
    assertTrue(checked > 1000, checked + " questions");
  }

  @Test
  void doesNotRepeatTheQuestionWordOfCommonsenseQuestions() {
    assertEquals("Question: What do people aim to do at work?\n ",
        template.question("Question: What do people aim to do at work?"));
  }

  @Test
  void targetWritesEveryStepBehindItsTokensThenTheAnswerLine() {
    TraceTemplate small = new TraceTemplate(StepTokens.of(1, 2));
    String target = small.target(List.of(new StepText(StepKind.MEMORY, "Paris is in France."),
        new StepText(StepKind.ASSIGNMENT, "Let x be Paris."), new StepText(StepKind.REASON, "So x is French.")), "True");
    assertEquals(" <prefix_0> <memory_0> <memory_1> Paris is in France.\n"
        + " <prefix_0> <assignment_0> <assignment_1> Let x be Paris.\n"
        + " <prefix_0> <reason_0> <reason_1> So x is French.\n"
        + " <prefix_0> <answer_0> <answer_1> The answer is: True\n", target);
  }

  @Test
  void refusesAnAnswerStepAmongTheSteps() {
    List<StepText> steps = List.of(new StepText(StepKind.ANSWER, "The answer is: True"));
    assertThrows(IllegalArgumentException.class, () -> template.target(steps, "True"));
  }
}
