package io.memreason.feedback;

import io.memreason.avro.TrainingExample;
import io.memreason.avro.TrainingStep;
import io.memreason.reasoning.StepKind;
import io.memreason.reasoning.StepText;
import io.memreason.reasoning.Task;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * Which labelled traces a retraining learns from, and in what form. A trace judged correct is learned as the model
 * wrote it; a corrected one with its corrections; one judged wrong without a corrected answer is left out (there is
 * nothing right to learn from it). A step judged wrong and not corrected is dropped from its trace, so the model is
 * never taught a statement a labeller rejected. The traces are in question-id order, whatever order the topic's
 * partitions were read in, so the same labels train the same candidate.
 */
final class FeedbackTrainingSet {
  private FeedbackTrainingSet() {}

  static List<LabelledTrace> of(Collection<TrainingExample> examples) {
    return examples.stream().filter(e -> e.getAnswer() != null)
        .sorted(Comparator.comparing(TrainingExample::getQuestionId)).map(FeedbackTrainingSet::trace).toList();
  }

  private static LabelledTrace trace(TrainingExample e) {
    Task task = Task.valueOf(e.getTask().name());
    List<String> options = e.getOptions() == null ? List.of() : e.getOptions();
    List<StepText> steps = e.getSteps().stream()
        .filter(FeedbackTrainingSet::isWorthLearning)
        .map(s -> new StepText(StepKind.valueOf(s.getKind().name()), s.getText()))
        .toList();
    return new LabelledTrace(e.getQuestionId(), task.withOptions(e.getQuestion(), options), steps, e.getAnswer());
  }

  /** Not a step judged wrong and left uncorrected, and of a kind the step tokens can write. */
  private static boolean isWorthLearning(TrainingStep s) {
    boolean rejected = Boolean.FALSE.equals(s.getCorrect()) && !s.getCorrected();
    return !rejected && s.getKind() != io.memreason.avro.StepKind.UNKNOWN;
  }
}
