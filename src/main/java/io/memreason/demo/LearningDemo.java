package io.memreason.demo;

import io.memreason.avro.Question;
import io.memreason.avro.Task;
import io.memreason.console.TracePrinter;
import io.memreason.training.DefaultModel;
import io.memreason.training.atlas.AtlasDataset;
import io.memreason.training.atlas.AtlasQuestion;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

/**
 * {@code demo --learn}: the learning loop, live, on the atlas world of the default model. The questions about the
 * held-out facts (which no training trace states) are asked and answered by version 1; a labeller that knows the
 * world labels every answer as it arrives; once there are as many labels as questions the demo's process retrains,
 * promotes or rejects the candidate, and swaps a promoted one in; then the same questions and other questions about
 * the same facts are asked again and labelled, so the live accuracy shows both versions.
 */
public final class LearningDemo {
  private static final Duration RETRAINING_TIMEOUT = Duration.ofMinutes(15);
  /** Labels reach the live accuracy a commit or two after they are sent. */
  private static final Duration FIGURES_TIMEOUT = Duration.ofSeconds(30);

  private final AtlasDataset dataset;
  private final AtlasLabeller labeller;
  private final Path dataDir;

  private LearningDemo(AtlasDataset dataset, Path dataDir) {
    this.dataset = dataset;
    this.labeller = new AtlasLabeller(dataset, Clock.systemUTC());
    this.dataDir = dataDir;
  }

  /** The atlas world the default model was trained on, its question sets written into {@code dataDir}. */
  public static LearningDemo forDefaultModel(Path dataDir) {
    AtlasDataset dataset = DefaultModel.defaultRecipe().dataset();
    try {
      dataset.writeTo(dataDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the atlas questions into " + dataDir + ": " + e.getMessage(), e);
    }
    return new LearningDemo(dataset, dataDir);
  }

  /**
   * Retraining in this process after one label per taught question, scored on the atlas test questions, replaying
   * some of the original training questions, at the learning rate a tiny model needs to learn in seconds.
   */
  public Map<String, String> settings() {
    return Map.of(
        "retrain.eval-data", dataDir.resolve(AtlasDataset.Split.TEST.fileName()).toString(),
        "retrain.eval-task", "atlas",
        "retrain.replay-data", dataDir.resolve(AtlasDataset.Split.TRAIN.fileName()).toString(),
        "retrain.replay-size", "100",
        "retrain.after-examples", String.valueOf(dataset.heldOut().size()),
        "retrain.epochs", "5",
        "retrain.learning-rate", "2e-3",
        "retrain.check-interval-ms", "1000");
  }

  /** The ids of every question the lesson asks, for the printer to follow. */
  public Set<String> questionIds() {
    Set<String> ids = new HashSet<>();
    taught("teach-").forEach(q -> ids.add(q.getId()));
    afterwards().forEach(q -> ids.add(q.getId()));
    return ids;
  }

  public void run(QuestionFeed feed, TracePrinter printer, PrintStream out) {
    Set<String> ours = questionIds();
    AtomicInteger labels = new AtomicInteger();
    feed.onAnswer(answer -> {
      if (ours.contains(answer.getQuestionId())) {
        labeller.label(answer).ifPresent(label -> {
          feed.label(label);
          labels.incrementAndGet();
        });
      }
    });
    out.println("lesson: " + dataset.heldOut().size() + " questions about facts the model was never taught, "
        + "labelled as they are answered");
    feed.ask(taught("teach-"));
    out.println("waiting for the retraining on those labels ...");
    int decided = printer.decisions();
    feed.followUntil(() -> printer.decisions() > decided, RETRAINING_TIMEOUT);
    out.println("the same questions again, and other questions about the same facts");
    feed.ask(afterwards());
    feed.followUntil(() -> printer.labelled() >= labels.get(), FIGURES_TIMEOUT);
    printer.accuracySummary();
  }

  private List<Question> afterwards() {
    List<Question> again = new ArrayList<>(taught("again-"));
    again.addAll(questions(dataset.heldOutTest(), "check-"));
    return again;
  }

  private List<Question> taught(String prefix) {
    return questions(dataset.heldOut(), prefix);
  }

  private static List<Question> questions(List<AtlasQuestion> atlas, String prefix) {
    return IntStream.range(0, atlas.size()).mapToObj(i -> Question.newBuilder().setId(prefix + i)
        .setText(atlas.get(i).question()).setTask(Task.ATLAS).setSubmittedAt(Instant.now()).build()).toList();
  }
}
