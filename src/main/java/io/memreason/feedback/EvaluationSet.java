package io.memreason.feedback;

import io.memreason.reasoning.Decoding;
import io.memreason.reasoning.Reasoner;
import io.memreason.reasoning.ReasoningRequest;
import io.memreason.reasoning.Task;
import io.memreason.reasoning.Trace;
import io.memreason.training.SeedExample;
import io.memreason.training.SeedFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The fixed evaluation set of the promotion gate ({@code retrain.eval-data}, a seed-format file): every candidate
 * and the serving version answer the same questions through the same {@link Reasoner} path as in serving (greedy),
 * and their answers are scored by the task's rules.
 */
public record EvaluationSet(Path file, Task task, List<SeedExample> items) {
  /** How many of the set's questions a version answered right. */
  public record Score(int correct, int total) {
    public double accuracy() {
      return total == 0 ? 0 : (double) correct / total;
    }
  }

  public EvaluationSet {
    items = List.copyOf(items);
    if (items.isEmpty()) {
      throw new IllegalArgumentException("the evaluation set " + file + " has no items");
    }
  }

  public static EvaluationSet read(Path file, Task task) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("the evaluation set " + file + " (retrain.eval-data) does not exist: name a"
          + " seed-format JSON file of questions with their answers, e.g. the atlas test split");
    }
    try {
      return new EvaluationSet(file, task, SeedFile.read(file));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the evaluation set " + file + " (retrain.eval-data): "
          + e.getMessage(), e);
    }
  }

  /**
   * Answers every question with {@code reasoner} and scores the answers; a failed or unlabelled answer is wrong.
   *
   * @param timeout how long all the answers may take together
   */
  public Score score(Reasoner reasoner, int maxNewTokens, Duration timeout) throws InterruptedException {
    List<ReasoningRequest> requests = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      requests.add(new ReasoningRequest("eval-" + i, items.get(i).question(), task, List.of(),
          new Decoding(0f, 1f, 0, maxNewTokens, 0L)));
    }
    List<Trace> traces;
    try {
      traces = reasoner.answerAll(requests, timeout);
    } catch (IllegalStateException e) {
      throw new IllegalStateException("evaluation on " + file + " did not finish: " + e.getMessage(), e);
    }
    int correct = 0;
    for (int i = 0; i < items.size(); i++) {
      Trace trace = traces.get(i);
      String gold = task.goldLabel(items.get(i).answer());
      if (trace.status() != Trace.Status.FAILED && trace.label().map(gold::equals).orElse(false)) {
        correct++;
      }
    }
    return new Score(correct, items.size());
  }
}
