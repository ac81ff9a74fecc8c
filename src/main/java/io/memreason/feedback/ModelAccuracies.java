package io.memreason.feedback;

import io.memreason.avro.ModelAccuracy;
import io.memreason.avro.RevisedStep;
import io.memreason.avro.StepKind;
import io.memreason.avro.TrainingExample;
import io.memreason.avro.TrainingStep;
import io.memreason.avro.Verdict;
import java.time.Instant;

/**
 * The accuracy figures of a model version as sums over its current labels: each labelled answer adds its verdict and
 * its judged steps (memory steps apart from reason and assignment steps, the paper's error attribution). A label that
 * replaces an earlier one first subtracts the earlier one's part, so the figures move instead of growing.
 *
 * <p>A revision's label is not the model's own answer judged: a person or the verifier corrected a step first. It
 * counts for the version that wrote the original trace ({@link #versionOf}), and only this: when the revision is
 * labelled correct, its corrected step is one more judged and wrong memory or reason step of that version.
 */
final class ModelAccuracies {
  private ModelAccuracies() {}

  static ModelAccuracy empty() {
    return new ModelAccuracy("", 0L, 0L, 0L, 0L, 0L, 0L, 0L, Instant.EPOCH);
  }

  /** The version whose figures a label moves: for a revision, the version that wrote the original trace. */
  static String versionOf(TrainingExample example) {
    RevisedStep revises = example.getRevises();
    return revises != null && revises.getModelVersion() != null ? revises.getModelVersion() : example.getModelVersion();
  }

  static ModelAccuracy add(String version, TrainingExample example, ModelAccuracy sums, Instant now) {
    return apply(version, example, sums, 1, now);
  }

  static ModelAccuracy subtract(String version, TrainingExample example, ModelAccuracy sums, Instant now) {
    return apply(version, example, sums, -1, now);
  }

  /** Share of labelled answers judged correct; NaN before the first label. */
  static double accuracy(ModelAccuracy a) {
    return a.getLabelled() == 0 ? Double.NaN : (double) a.getCorrect() / a.getLabelled();
  }

  private static ModelAccuracy apply(String version, TrainingExample e, ModelAccuracy sums, int sign, Instant now) {
    if (e.getRevises() != null) {
      return revisionApplied(version, e, sums, sign, now);
    }
    ModelAccuracy.Builder b = ModelAccuracy.newBuilder(sums).setModelVersion(version).setUpdatedAt(now)
        .setLabelled(sums.getLabelled() + sign)
        .setCorrect(sums.getCorrect() + (e.getVerdict() == Verdict.CORRECT ? sign : 0))
        .setIncorrect(sums.getIncorrect() + (e.getVerdict() == Verdict.INCORRECT ? sign : 0));
    for (TrainingStep step : e.getSteps()) {
      if (step.getCorrect() == null) {
        continue;
      }
      int wrong = step.getCorrect() ? 0 : sign;
      if (step.getKind() == StepKind.MEMORY) {
        b.setMemoryStepsJudged(b.getMemoryStepsJudged() + sign).setMemoryStepsWrong(b.getMemoryStepsWrong() + wrong);
      } else {
        b.setReasonStepsJudged(b.getReasonStepsJudged() + sign).setReasonStepsWrong(b.getReasonStepsWrong() + wrong);
      }
    }
    return b.build();
  }

  /** A revision labelled correct: the original's step it corrected was wrong. */
  private static ModelAccuracy revisionApplied(String version, TrainingExample e, ModelAccuracy sums, int sign,
                                               Instant now) {
    ModelAccuracy.Builder b = ModelAccuracy.newBuilder(sums).setModelVersion(version).setUpdatedAt(now);
    int index = e.getRevises().getStepIndex();
    if (e.getVerdict() != Verdict.CORRECT || index < 0 || index >= e.getSteps().size()) {
      return b.build();
    }
    if (e.getSteps().get(index).getKind() == StepKind.MEMORY) {
      b.setMemoryStepsJudged(b.getMemoryStepsJudged() + sign).setMemoryStepsWrong(b.getMemoryStepsWrong() + sign);
    } else {
      b.setReasonStepsJudged(b.getReasonStepsJudged() + sign).setReasonStepsWrong(b.getReasonStepsWrong() + sign);
    }
    return b.build();
  }
}
