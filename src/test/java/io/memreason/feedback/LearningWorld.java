package io.memreason.feedback;

import io.memreason.avro.Answer;
import io.memreason.avro.Feedback;
import io.memreason.reasoning.Task;
import io.memreason.registry.ModelSource;
import io.memreason.registry.VersionLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A world the continuous-learning test runs in: a first model version that does not know some facts, how versions
 * are loaded and retrained, questions about those held-out facts with their true answers, and a labeller that knows
 * the truth. {@link AtlasLearningWorld} plays it with memreason's default model.
 */
interface LearningWorld extends AutoCloseable {

  /** A question and its true answer. */
  record GoldQuestion(String text, String answer) {}

  /** Configuration keys the world needs (engine limits of its model, replay size); none by default. */
  default Map<String, String> configuration() {
    return Map.of();
  }

  /** The model imported as version 1. */
  ModelSource firstVersion();

  VersionLoader loader();

  CandidateTrainer trainer();

  /** The fixed evaluation set of the promotion gate (seed format), and its task. */
  Path evaluationSet();

  Task task();

  /** Original training data to replay while retraining; empty for none. */
  List<Path> replayData();

  /** Questions about held-out facts whose labels teach them. */
  List<GoldQuestion> teaching();

  /** Other questions about the same held-out facts: how well they were learned (never trained on). */
  List<GoldQuestion> checks();

  /** Whether an answer to a question is right. */
  boolean isCorrect(Answer answer, GoldQuestion gold);

  /** The labeller's label for an answer: its verdict, with corrections when it is wrong. */
  Feedback label(Answer answer, GoldQuestion gold);

  @Override
  void close();
}
