package io.memreason.feedback;

import io.memreason.avro.Answer;
import io.memreason.avro.Feedback;
import io.memreason.avro.ReasoningStep;
import io.memreason.avro.StepVerdict;
import io.memreason.avro.TrainingExample;
import io.memreason.avro.TrainingStep;
import io.memreason.avro.Verdict;
import io.memreason.reasoning.Task;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Joins a label with the answer it judges into a {@link TrainingExample}: the trace as the model wrote it with each
 * corrected step's text substituted and each step's verdict kept, and the answer to train on — the corrected answer
 * when one was given, the model's own answer when it was judged correct, none when it was judged wrong without a
 * correction.
 *
 * <p>A revision's label (its answer's question revises another's step) is an example of the revised trace: the
 * corrected step stands where the original's wrong step stood, marked as a wrong step that was corrected (unless the
 * label judges it itself), and the example names the original and its version, whose wrong step it counts.
 */
final class TrainingExamples {
  private TrainingExamples() {}

  /** A label that cannot be applied to its answer, with the reason. */
  static final class Mismatch extends Exception {
    Mismatch(String message) {
      super(message);
    }
  }

  static TrainingExample join(Answer answer, Feedback feedback) throws Mismatch {
    Map<Integer, StepVerdict> verdicts = verdictsByIndex(answer, feedback);
    List<TrainingStep> steps = new ArrayList<>();
    TreeSet<Integer> wrong = new TreeSet<>();
    boolean stepCorrected = false;
    Integer revisedStep = answer.getRevises() == null ? null : answer.getRevises().getStepIndex();
    for (ReasoningStep step : answer.getSteps()) {
      StepVerdict v = verdicts.get(step.getIndex());
      if (v == null && Integer.valueOf(step.getIndex()).equals(revisedStep)) {
        v = new StepVerdict(step.getIndex(), false, step.getText());
      }
      boolean corrected = v != null && v.getCorrectedText() != null;
      steps.add(TrainingStep.newBuilder()
          .setKind(step.getKind())
          .setText(corrected ? v.getCorrectedText().strip() : step.getText())
          .setCorrect(v == null ? null : v.getCorrect())
          .setCorrected(corrected)
          .build());
      if (v != null && !v.getCorrect()) {
        wrong.add(step.getIndex());
      }
      stepCorrected |= corrected;
    }
    Optional<String> correctedAnswer = Optional.ofNullable(feedback.getCorrectedAnswer()).map(String::strip)
        .filter(a -> !a.isEmpty());
    return TrainingExample.newBuilder()
        .setQuestionId(answer.getQuestionId())
        .setQuestion(answer.getQuestion())
        .setOptions(answer.getOptions())
        .setTask(answer.getTask())
        .setSteps(steps)
        .setAnswer(correctedAnswer.or(() -> feedback.getVerdict() == Verdict.CORRECT ? modelAnswer(answer)
            : Optional.empty()).orElse(null))
        .setVerdict(feedback.getVerdict())
        .setCorrected(correctedAnswer.isPresent() || stepCorrected)
        .setRevises(answer.getRevises())
        .setWrongSteps(List.copyOf(wrong))
        .setModelVersion(answer.getModelVersion())
        .setLabeller(feedback.getLabeller())
        .setLabelledAt(feedback.getLabelledAt())
        .build();
  }

  /** The step verdicts by index; each must name a step of the answer's trace, once. */
  private static Map<Integer, StepVerdict> verdictsByIndex(Answer answer, Feedback feedback) throws Mismatch {
    TreeSet<Integer> indexes = new TreeSet<>();
    answer.getSteps().forEach(s -> indexes.add(s.getIndex()));
    Map<Integer, StepVerdict> byIndex = new HashMap<>();
    for (StepVerdict v : feedback.getStepVerdicts()) {
      if (!indexes.contains(v.getIndex())) {
        throw new Mismatch("the label of question " + answer.getQuestionId() + " judges step " + v.getIndex()
            + ", but its answer's trace has " + (indexes.isEmpty() ? "no steps"
            : "steps " + indexes.first() + ".." + indexes.last()));
      }
      if (byIndex.put(v.getIndex(), v) != null) {
        throw new Mismatch("the label of question " + answer.getQuestionId() + " judges step " + v.getIndex()
            + " twice");
      }
    }
    return byIndex;
  }

  /** What the model answered: the task's label, or for open questions the text after "The answer is:". */
  private static Optional<String> modelAnswer(Answer answer) {
    if (answer.getLabel() != null) {
      return Optional.of(answer.getLabel());
    }
    String text = answer.getAnswerText();
    int phrase = text.indexOf(Task.ANSWER_PHRASE);
    return phrase < 0 ? Optional.empty()
        : Optional.of(text.substring(phrase + Task.ANSWER_PHRASE.length()).strip()).filter(a -> !a.isEmpty());
  }
}
