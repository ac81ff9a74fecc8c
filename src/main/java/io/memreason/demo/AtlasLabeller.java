package io.memreason.demo;

import io.memreason.avro.Answer;
import io.memreason.avro.Feedback;
import io.memreason.avro.ReasoningStep;
import io.memreason.avro.StepKind;
import io.memreason.avro.StepVerdict;
import io.memreason.avro.Verdict;
import io.memreason.reasoning.Task;
import io.memreason.training.atlas.AtlasDataset;
import io.memreason.training.atlas.AtlasQuestion;
import io.memreason.training.atlas.StepJudge;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A labeller that knows the truth of the atlas world, standing in for a person in the demo and the tests: it judges
 * an answer to an atlas question by its gold answer, and every memory and reason step by the world's
 * {@link StepJudge}; a wrong step is corrected with the gold trace's step at the same position when that step is of
 * the same kind, and a wrong answer with the gold answer.
 */
public final class AtlasLabeller {
  private static final String MEMORY_LABEL = "[rag]: ";
  private static final String REASON_LABEL = "[reason]: ";

  private final StepJudge judge;
  private final Map<String, AtlasQuestion> byText = new HashMap<>();
  private final Clock clock;

  public AtlasLabeller(AtlasDataset dataset, Clock clock) {
    this.judge = dataset.judge();
    this.clock = clock;
    for (AtlasDataset.Split split : AtlasDataset.Split.values()) {
      dataset.questions(split).forEach(q -> byText.putIfAbsent(q.question(), q));
    }
  }

  /** Whether the answer is the gold one; false for a question that is not an atlas question. */
  public boolean isCorrect(Answer answer) {
    return gold(answer).map(q -> Task.ATLAS.goldLabel(q.answer()).equals(answer.getLabel())).orElse(false);
  }

  /** Whether a memory or reason step states only what is true in the world. */
  public boolean isTrue(ReasoningStep step) {
    return judge.judge(io.memreason.reasoning.StepKind.valueOf(step.getKind().name()), step.getText()).isCorrect();
  }

  /** The label of an answer to an atlas question; empty for any other question. */
  public Optional<Feedback> label(Answer answer) {
    return gold(answer).map(question -> label(answer, question));
  }

  private Feedback label(Answer answer, AtlasQuestion question) {
    boolean right = isCorrect(answer);
    List<StepVerdict> verdicts = new ArrayList<>();
    for (ReasoningStep step : answer.getSteps()) {
      if (step.getKind() != StepKind.MEMORY && step.getKind() != StepKind.REASON) {
        continue; // assignment steps state nothing the world can judge
      }
      boolean stepRight = isTrue(step);
      verdicts.add(new StepVerdict(step.getIndex(), stepRight,
          stepRight ? null : correction(question.cotSteps(), step).orElse(null)));
    }
    return Feedback.newBuilder().setQuestionId(answer.getQuestionId())
        .setVerdict(right ? Verdict.CORRECT : Verdict.INCORRECT).setCorrectedAnswer(right ? null : question.answer())
        .setStepVerdicts(verdicts).setLabeller("atlas-labeller").setLabelledAt(clock.instant()).build();
  }

  private Optional<AtlasQuestion> gold(Answer answer) {
    return Optional.ofNullable(byText.get(answer.getQuestion()));
  }

  /** The gold step at the same position, when it is of the same kind. */
  private static Optional<String> correction(List<String> goldSteps, ReasoningStep step) {
    if (step.getIndex() >= goldSteps.size()) {
      return Optional.empty();
    }
    String gold = goldSteps.get(step.getIndex());
    String label = step.getKind() == StepKind.MEMORY ? MEMORY_LABEL : REASON_LABEL;
    return gold.startsWith(label) ? Optional.of(gold.substring(label.length())) : Optional.empty();
  }
}
