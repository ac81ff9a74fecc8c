package io.memreason.training.atlas;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.memreason.reasoning.Reasoner;
import io.memreason.reasoning.ReasoningRequest;
import io.memreason.reasoning.Step;
import io.memreason.reasoning.StepKind;
import io.memreason.reasoning.StepText;
import io.memreason.reasoning.Task;
import io.memreason.reasoning.Trace;
import io.memreason.reasoning.TraceListener;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The repair benchmark's counting, with two scripted models of the tiny world that answer "In which country was X
 * born?": one that believes Ilva was born in Kesh and follows its steps (a given step included) to the answer, and
 * one with the same beliefs that ignores what it is given.
 */
class RepairBenchmarkTest {
  private static final AtlasWorld WORLD = TinyWorlds.ostra();
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  private static final Map<String, String> BORN_IN = Map.of("Ilva", "Kesh", "Bram", "Kesh"); // Ilva's is wrong
  private static final Map<String, String> COUNTRY_OF = Map.of("Tarsen", "Molvia", "Kesh", "Varn");

  private static AtlasQuestion bornCountry(String person, String city, String country) {
    return new AtlasQuestion("born-country:" + person + ":1", QuestionType.BORN_COUNTRY, List.of(person),
        "In which country was " + person + " born?", country,
        List.of("[rag]: " + person + " was born in " + city + ".", "[rag]: " + city + " is in " + country + ".",
            "[reason]: " + person + " was born in " + city + " and " + city + " is in " + country + ", so " + person
                + " was born in " + country + "."),
        List.of("born_in:" + person, "located_in:" + city));
  }

  private static final List<AtlasQuestion> QUESTIONS = List.of(
      bornCountry("Ilva", "Tarsen", "Molvia"), bornCountry("Bram", "Kesh", "Varn"));

  /** Writes born-in, located-in, the reason step and the answer, each from the step before when it follows them. */
  private record ScriptedModel(boolean followsGivenSteps) implements Reasoner {
    @Override
    public boolean submit(ReasoningRequest request, TraceListener listener, Duration timeout) {
      String person = request.question().replace("In which country was ", "").replace(" born?", "");
      List<StepText> given = followsGivenSteps ? request.givenSteps() : List.of();
      String city = given.size() > 0 ? last(given.get(0).text()) : BORN_IN.get(person);
      String country = given.size() > 1 ? last(given.get(1).text()) : COUNTRY_OF.get(city);
      String reasoned = person + " was born in " + city + " and " + city + " is in " + country + ", so " + person
          + " was born in ";
      String concluded = given.size() > 2 ? last(given.get(2).text()) : country;
      List<StepText> texts = new ArrayList<>(List.of(new StepText(StepKind.MEMORY, person + " was born in " + city + "."),
          new StepText(StepKind.MEMORY, city + " is in " + country + "."),
          new StepText(StepKind.REASON, reasoned + concluded + ".")));
      List<Step> steps = new ArrayList<>();
      for (int i = 0; i < texts.size(); i++) {
        steps.add(i < request.givenSteps().size() ? Step.given(i, request.givenSteps().get(i), T)
            : new Step(i, texts.get(i).kind(), texts.get(i).text(), 5, T, T));
      }
      steps.add(new Step(steps.size(), StepKind.ANSWER, Task.ANSWER_PHRASE + " " + concluded, 3, T, T));
      listener.onFinished(new Trace(request.id(), steps, Optional.of(concluded), Trace.Status.OK, Optional.empty(),
          10, 20, "scripted", T));
      return true;
    }

    private static String last(String sentence) {
      String[] words = sentence.replace(".", "").split(" ");
      return words[words.length - 1];
    }

    @Override
    public void cancel(String requestId) {}

    @Override
    public String modelVersion() {
      return "scripted";
    }

    @Override
    public void close() {}
  }

  private static RepairBenchmark.Report run(boolean followsGivenSteps) throws InterruptedException {
    return new RepairBenchmark(new ScriptedModel(followsGivenSteps), WORLD,
        new RepairBenchmark.Settings(64, Duration.ofSeconds(10), 42, 1)).run("tiny", QUESTIONS);
  }

  @Test
  void aModelThatFollowsItsStepsIsRepairedByTheCorrectionAndBrokenByTheControl() throws InterruptedException {
    RepairBenchmark.Report report = run(true);

    assertEquals(2, report.questions());
    assertEquals(1, report.answeredRight());
    RepairBenchmark.Kind memory = report.memory();
    assertEquals(1, memory.wrongAnswers(), "Ilva's trace: its first wrong step is the birthplace");
    assertEquals(1, memory.corrected());
    assertEquals(1, memory.becameRight());
    assertEquals(0, memory.stayedWrong());
    assertEquals(1.0, memory.repairRate());
    assertEquals("Ilva was born in Tarsen.", memory.examples().get(0).givenStep());
    assertEquals("Molvia", memory.examples().get(0).answerAfter());
    assertEquals(1, memory.control().rightAnswers(), "Bram's trace");
    assertEquals(1, memory.control().replaced());
    assertEquals(1, memory.control().broke(), "a false birthplace or city leads it to another country");
    assertEquals(0, report.reason().wrongAnswers(), "no trace is wrong first at its reason step");
    assertEquals(1, report.reason().control().broke(), "a false conclusion is the answer it gives");
  }

  @Test
  void aModelThatIgnoresWhatItIsGivenStaysWrongWithTheSameAnswerAndIsNeverBroken() throws InterruptedException {
    RepairBenchmark.Report report = run(false);

    RepairBenchmark.Kind memory = report.memory();
    assertEquals(1, memory.corrected());
    assertEquals(0, memory.becameRight());
    assertEquals(1, memory.stayedWrong());
    assertEquals(1, memory.stayedWrongSameAnswer(), "the correction was ignored");
    assertEquals(0.0, memory.repairRate());
    assertEquals(0, memory.control().broke());
    assertEquals(0, report.reason().control().broke());
  }
}
