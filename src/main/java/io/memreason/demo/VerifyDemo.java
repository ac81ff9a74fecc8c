package io.memreason.demo;

import io.memreason.avro.Answer;
import io.memreason.avro.MemoryVerdict;
import io.memreason.avro.Question;
import io.memreason.avro.ReasoningStep;
import io.memreason.avro.StepKind;
import io.memreason.avro.Task;
import io.memreason.config.MemreasonConfig;
import io.memreason.reasoning.MemoryVerifier;
import io.memreason.training.DefaultModel;
import io.memreason.training.atlas.AtlasDataset;
import io.memreason.training.atlas.AtlasQuestion;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code demo --verify}: a knowledge-checked memory, live, on the atlas world of the default model. It is asked about
 * the held-out birthplaces (facts it was never taught, so it makes them up), lookups first; the pipeline checks every
 * memory step it writes against the world's truth ({@link AtlasTruthVerifier}) and revises the first contradicted one
 * of a trace ({@code pipeline.verify=revise}): the question is asked again with the correct fact given, the model
 * continues from it, and the demo says whether the revision repaired the answer.
 */
public final class VerifyDemo {
  private static final Duration REVISIONS_TIMEOUT = Duration.ofMinutes(2);

  private final AtlasDataset dataset;
  private final AtlasLabeller labeller;

  private VerifyDemo(AtlasDataset dataset) {
    this.dataset = dataset;
    this.labeller = new AtlasLabeller(dataset, Clock.systemUTC());
  }

  /** The atlas world the default model was trained on. */
  public static VerifyDemo forDefaultModel() {
    return new VerifyDemo(DefaultModel.defaultRecipe().dataset());
  }

  /** The verifier the pipeline checks memory steps with: the world's truth. */
  public MemoryVerifier verifier() {
    return new AtlasTruthVerifier(dataset.world());
  }

  /** {@code pipeline.verify=revise}, unless the configuration already asks for checks (annotate, say). */
  public Map<String, String> settings(MemreasonConfig config) {
    return config.pipeline().verify().checks() ? Map.of() : Map.of("pipeline.verify", "revise");
  }

  /** {@code count} questions about the held-out facts, lookups (one memory step) first, cycling through them. */
  public List<Question> questions(int count) {
    List<AtlasQuestion> heldOut = Stream.of(dataset.heldOut(), dataset.heldOutTest()).flatMap(List::stream)
        .sorted(Comparator.comparingInt((AtlasQuestion q) -> q.facts().size())).toList();
    List<Question> questions = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      questions.add(Question.newBuilder().setId("verify-" + i).setText(heldOut.get(i % heldOut.size()).question())
          .setTask(Task.ATLAS).setSubmittedAt(Instant.now()).build());
    }
    return questions;
  }

  /**
   * Asks the questions, follows them and the revisions the pipeline asks of them until all are answered, says of each
   * revision whether it repaired its original's answer, and sums the verdicts up.
   */
  public void run(QuestionFeed feed, List<Question> questions, PrintStream out) {
    // The feed calls back on the thread that polls it, this one: no locking.
    Map<String, Answer> answers = new LinkedHashMap<>();
    Map<String, Answer> revised = new LinkedHashMap<>();
    Set<String> expected = new HashSet<>(questions.stream().map(Question::getId).toList());
    feed.onAnswer(answer -> {
      answers.put(answer.getQuestionId(), answer);
      answer.getSteps().stream().filter(s -> s.getVerification() != null && s.getVerification().getRevisionId() != null)
          .forEach(s -> expected.add(s.getVerification().getRevisionId()));
      answers.values().stream().filter(a -> a.getRevises() != null && !revised.containsKey(a.getQuestionId()))
          .filter(a -> answers.containsKey(a.getRevises().getQuestionId())).toList()
          .forEach(revision -> {
            revised.put(revision.getQuestionId(), revision);
            out.println(outcome(answers.get(revision.getRevises().getQuestionId()), revision));
          });
    });
    out.println("verify: " + questions.size() + " questions about facts the model was never taught; every memory step"
        + " it writes is checked against the atlas world, and a contradicted one revised");
    feed.ask(questions);
    feed.followUntil(() -> answers.keySet().containsAll(expected), REVISIONS_TIMEOUT);
    out.println(summary(answers, revised.values()));
  }

  private String outcome(Answer original, Answer revision) {
    boolean wasRight = labeller.isCorrect(original);
    boolean isRight = labeller.isCorrect(revision);
    String what = wasRight == isRight ? (isRight ? "[revised]" : "[not repaired]") : isRight ? "[repaired]" : "[broken]";
    return what + " " + original.getQuestionId() + " answered " + original.getLabel() + (wasRight ? " (right)" : " (wrong)")
        + "; its revision " + revision.getQuestionId() + " answers " + revision.getLabel()
        + (isRight ? " (right)" : " (wrong)");
  }

  private String summary(Map<String, Answer> answers, Iterable<Answer> revisions) {
    Map<MemoryVerdict, Integer> verdicts = new EnumMap<>(MemoryVerdict.class);
    for (Answer a : answers.values()) {
      for (ReasoningStep s : a.getSteps()) {
        if (s.getKind() == StepKind.MEMORY && s.getVerification() != null) {
          verdicts.merge(s.getVerification().getVerdict(), 1, Integer::sum);
        }
      }
    }
    int count = 0;
    int wrongBefore = 0;
    int repaired = 0;
    for (Answer revision : revisions) {
      count++;
      if (!labeller.isCorrect(answers.get(revision.getRevises().getQuestionId()))) {
        wrongBefore++;
        repaired += labeller.isCorrect(revision) ? 1 : 0;
      }
    }
    return "[verify] memory steps checked: " + verdicts.getOrDefault(MemoryVerdict.SUPPORTED, 0) + " supported, "
        + verdicts.getOrDefault(MemoryVerdict.CONTRADICTED, 0) + " contradicted, "
        + verdicts.getOrDefault(MemoryVerdict.UNKNOWN, 0) + " unknown · " + count + " revisions · " + repaired + " of "
        + wrongBefore + " wrong answers revised are right now";
  }
}
