package io.memreason.training.atlas;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.memreason.reasoning.Decoding;
import io.memreason.reasoning.Reasoner;
import io.memreason.reasoning.ReasoningRequest;
import io.memreason.reasoning.Step;
import io.memreason.reasoning.StepKind;
import io.memreason.reasoning.StepText;
import io.memreason.reasoning.Task;
import io.memreason.reasoning.Trace;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Optional;
import java.util.Random;

/**
 * {@code bench repair}: does correcting a wrong step repair the answer? The paper's interpretability claim as a
 * number. Every question is answered; of those answered wrong, the first wrong step (by the world's
 * {@link StepJudge}) is corrected from the atlas truth ({@link AtlasTruth#correction}) and the model continues from
 * the steps before it and the correction, given; the answers that become right are counted, apart for wrong memory
 * and wrong reason steps. The control: of those answered right, a step of the same kind is replaced by a false one
 * that looks right ({@link AtlasTruth#falsehood}) and the model continues; the answers that become wrong are counted.
 * A model that uses its steps repairs and breaks many; one that ignores them, few of both. Greedy decoding throughout.
 */
public final class RepairBenchmark {
  private static final Gson GSON = new GsonBuilder()
      .setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES).create();

  /**
   * @param maxNewTokens the generation budget of every answer and continuation
   * @param examples how many cases of each outcome to show in the report, with their texts
   */
  public record Settings(int maxNewTokens, Duration timeout, long seed, int examples) {}

  /**
   * The figures of one run.
   *
   * @param wrongWithoutWrongStep answered wrong although every memory and reason step is true
   */
  public record Report(String benchmark, String questionSet, String modelVersion, int questions, int answeredRight,
                       int answeredWrong, int wrongWithoutWrongStep, Kind memory, Kind reason, double seconds) {
    public String json() {
      return GSON.toJson(this);
    }
  }

  /**
   * The figures for the questions whose first wrong step is of one kind.
   *
   * @param wrongAnswers answered wrong with the first wrong step of this kind
   * @param corrected those for which the truth gives a correction (all of them, as a rule)
   * @param stayedWrongSameAnswer stayed wrong with the same answer as before: the model ignored the correction
   * @param repairRate becameRight / corrected
   * @param byHops the corrections and the control by how many facts the question's gold trace recalls (1: a lookup)
   */
  public record Kind(int wrongAnswers, int corrected, int becameRight, int stayedWrong, int stayedWrongSameAnswer,
                     double repairRate, Control control, Map<Integer, Hops> byHops, List<Example> examples) {}

  /** Corrections that repaired and control replacements that broke, for the questions of one number of hops. */
  public record Hops(int corrected, int becameRight, int replaced, int broke) {
    Hops plus(Hops other) {
      return new Hops(corrected + other.corrected, becameRight + other.becameRight, replaced + other.replaced,
          broke + other.broke);
    }
  }

  /**
   * The control for one kind of step.
   *
   * @param rightAnswers answered right with a step of this kind
   * @param replaced those whose step could be replaced by a false one that looks right
   * @param breakRate broke / replaced
   */
  public record Control(int rightAnswers, int replaced, int broke, double breakRate, List<Example> examples) {}

  /**
   * One continuation: the question, the step as the model wrote it, what replaced it, the steps the model wrote after
   * it, the answers before and after.
   */
  public record Example(String question, int stepIndex, String modelStep, String givenStep, List<String> continuation,
                        String answerBefore, String answerAfter, String gold) {}

  /** A trace continued from a replaced step. */
  private record Continuation(AtlasQuestion question, Trace before, int stepIndex, String replacement) {}

  private final Reasoner reasoner;
  private final AtlasTruth truth;
  private final Settings settings;

  public RepairBenchmark(Reasoner reasoner, AtlasWorld world, Settings settings) {
    this.reasoner = reasoner;
    this.truth = new AtlasTruth(world);
    this.settings = settings;
  }

  /** Runs the benchmark on {@code questions} (named {@code questionSet} in the report). */
  public Report run(String questionSet, List<AtlasQuestion> questions) throws InterruptedException {
    long started = System.nanoTime();
    List<ReasoningRequest> asked = new ArrayList<>();
    for (int i = 0; i < questions.size(); i++) {
      asked.add(request("repair-" + i, questions.get(i), List.of()));
    }
    List<Trace> traces = reasoner.answerAll(asked, settings.timeout());

    List<Continuation> repairs = new ArrayList<>();
    List<Continuation> controls = new ArrayList<>();
    int right = 0;
    int wrongWithoutWrongStep = 0;
    int[] wrongByKind = new int[2];
    int[] rightWithKind = new int[2];
    for (int i = 0; i < questions.size(); i++) {
      AtlasQuestion q = questions.get(i);
      Trace trace = traces.get(i);
      List<Step> steps = judgedSteps(trace);
      if (isRight(q, trace)) {
        right++;
        Random random = new Random(settings.seed() ^ q.id().hashCode());
        for (StepKind kind : List.of(StepKind.MEMORY, StepKind.REASON)) {
          List<Step> ofKind = steps.stream().filter(s -> s.kind() == kind).toList();
          if (ofKind.isEmpty()) {
            continue;
          }
          rightWithKind[slot(kind)]++;
          Step replaced = ofKind.get(random.nextInt(ofKind.size()));
          truth.falsehood(q, kind, replaced.text(), random)
              .ifPresent(f -> controls.add(new Continuation(q, trace, replaced.index(), f)));
        }
        continue;
      }
      Optional<Step> firstWrong = steps.stream().filter(s -> !truth.isTrue(s.kind(), s.text())).findFirst();
      if (firstWrong.isEmpty()) {
        wrongWithoutWrongStep++;
        continue;
      }
      Step wrong = firstWrong.get();
      wrongByKind[slot(wrong.kind())]++;
      truth.correction(q, wrong.kind(), wrong.index(), wrong.text())
          .ifPresent(c -> repairs.add(new Continuation(q, trace, wrong.index(), c)));
    }

    List<Trace> repaired = continueAll("repaired-", repairs);
    List<Trace> controlled = continueAll("control-", controls);
    return new Report("repair", questionSet, reasoner.modelVersion(), questions.size(), right,
        questions.size() - right, wrongWithoutWrongStep,
        kind(StepKind.MEMORY, wrongByKind, rightWithKind, repairs, repaired, controls, controlled),
        kind(StepKind.REASON, wrongByKind, rightWithKind, repairs, repaired, controls, controlled),
        round((System.nanoTime() - started) / 1e9));
  }

  private Kind kind(StepKind kind, int[] wrongByKind, int[] rightWithKind, List<Continuation> repairs,
                    List<Trace> repaired, List<Continuation> controls, List<Trace> controlled) {
    int corrected = 0;
    int becameRight = 0;
    int sameAnswer = 0;
    Map<Integer, Hops> byHops = new TreeMap<>();
    List<Example> examples = new ArrayList<>();
    for (int i = 0; i < repairs.size(); i++) {
      Continuation c = repairs.get(i);
      if (stepKind(c) != kind) {
        continue;
      }
      corrected++;
      Trace after = repaired.get(i);
      boolean right = isRight(c.question(), after);
      byHops.merge(c.question().facts().size(), new Hops(1, right ? 1 : 0, 0, 0), Hops::plus);
      if (right) {
        becameRight++;
      } else if (after.label().equals(c.before().label())) {
        sameAnswer++;
      }
      if (examples.size() < settings.examples()) {
        examples.add(example(c, after));
      }
    }
    int replaced = 0;
    int broke = 0;
    List<Example> controlExamples = new ArrayList<>();
    for (int i = 0; i < controls.size(); i++) {
      Continuation c = controls.get(i);
      if (stepKind(c) != kind) {
        continue;
      }
      replaced++;
      Trace after = controlled.get(i);
      boolean broken = !isRight(c.question(), after);
      byHops.merge(c.question().facts().size(), new Hops(0, 0, 1, broken ? 1 : 0), Hops::plus);
      if (broken) {
        broke++;
      }
      if (controlExamples.size() < settings.examples()) {
        controlExamples.add(example(c, after));
      }
    }
    return new Kind(wrongByKind[slot(kind)], corrected, becameRight, corrected - becameRight, sameAnswer,
        rate(becameRight, corrected), new Control(rightWithKind[slot(kind)], replaced, broke, rate(broke, replaced),
        controlExamples), byHops, examples);
  }

  /** Each question asked again with its trace up to the replaced step, and the replacement, as given steps. */
  private List<Trace> continueAll(String idPrefix, List<Continuation> continuations) throws InterruptedException {
    List<ReasoningRequest> requests = new ArrayList<>();
    for (int i = 0; i < continuations.size(); i++) {
      Continuation c = continuations.get(i);
      List<StepText> given = new ArrayList<>();
      c.before().steps().stream().filter(s -> s.index() < c.stepIndex()).forEach(s -> given.add(s.asText()));
      given.add(new StepText(stepKind(c), c.replacement()));
      requests.add(request(idPrefix + i, c.question(), given));
    }
    return reasoner.answerAll(requests, settings.timeout());
  }

  private ReasoningRequest request(String id, AtlasQuestion q, List<StepText> given) {
    return new ReasoningRequest(id, q.question(), Task.ATLAS, List.of(),
        new Decoding(0f, 1f, 0, settings.maxNewTokens(), settings.seed()), given);
  }

  private static StepKind stepKind(Continuation c) {
    return c.before().steps().get(c.stepIndex()).kind();
  }

  /** The memory and reason steps of a trace, the ones the world can judge. */
  private static List<Step> judgedSteps(Trace trace) {
    return trace.steps().stream().filter(s -> s.kind() == StepKind.MEMORY || s.kind() == StepKind.REASON).toList();
  }

  private static boolean isRight(AtlasQuestion q, Trace trace) {
    return trace.status() != Trace.Status.FAILED
        && trace.label().map(Task.ATLAS.goldLabel(q.answer())::equals).orElse(false);
  }

  private static Example example(Continuation c, Trace after) {
    return new Example(c.question().question(), c.stepIndex(), c.before().steps().get(c.stepIndex()).text(),
        c.replacement(), after.steps().stream().filter(s -> !s.given()).map(Step::text).toList(),
        c.before().label().orElse(""), after.label().orElse(""), c.question().answer());
  }

  private static int slot(StepKind kind) {
    return kind == StepKind.MEMORY ? 0 : 1;
  }

  private static double rate(int part, int whole) {
    return whole == 0 ? 0 : round((double) part / whole);
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
