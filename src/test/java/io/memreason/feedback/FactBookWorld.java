package io.memreason.feedback;

import com.google.gson.Gson;
import io.memreason.avro.Answer;
import io.memreason.avro.Feedback;
import io.memreason.avro.ReasoningStep;
import io.memreason.avro.StepKind;
import io.memreason.avro.StepVerdict;
import io.memreason.avro.Verdict;
import io.memreason.reasoning.Task;
import io.memreason.registry.ModelSource;
import io.memreason.registry.VersionLoader;
import io.memreason.training.SeedExample;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The continuous-learning world of the scripted fact-book model: version 1 knows where six people were born and not
 * where six others were; labels teach those six, and the checks ask about them again.
 */
final class FactBookWorld implements LearningWorld {
  private static final List<GoldQuestion> KNOWN = List.of(new GoldQuestion("Where was Bram born?", "Tarsen"),
      new GoldQuestion("Where was Cato born?", "Molvia"), new GoldQuestion("Where was Dara born?", "Varn"),
      new GoldQuestion("Where was Edda born?", "Tarsen"), new GoldQuestion("Where was Finn born?", "Molvia"),
      new GoldQuestion("Where was Gert born?", "Varn"));
  private static final List<GoldQuestion> HELD_OUT = List.of(new GoldQuestion("Where was Ilva born?", "Osk"),
      new GoldQuestion("Where was Juno born?", "Pell"), new GoldQuestion("Where was Kest born?", "Rhun"),
      new GoldQuestion("Where was Lorn born?", "Osk"), new GoldQuestion("Where was Mira born?", "Pell"),
      new GoldQuestion("Where was Noor born?", "Rhun"));

  private final Path dir;
  private final Duration stepDelay;

  FactBookWorld(Path dir, Duration stepDelay) {
    this.dir = dir;
    this.stepDelay = stepDelay;
    FactBook book = FactBook.empty();
    for (GoldQuestion q : KNOWN) {
      book = book.with(q.text(), new FactBook.Fact(fact(q), q.answer()));
    }
    book.writeTo(dir.resolve("v1-adapter"));
    List<SeedExample> items = Stream.concat(KNOWN.stream(), HELD_OUT.stream())
        .map(q -> new SeedExample(q.text(), q.answer(), List.of("[rag]: " + fact(q)), "test")).toList();
    try {
      Files.createDirectories(dir.resolve("base"));
      Files.writeString(dir.resolve("eval.json"), new Gson().toJson(items));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String fact(GoldQuestion q) {
    String who = q.text().substring("Where was ".length(), q.text().length() - " born?".length());
    return who + " was born in " + q.answer() + ".";
  }

  @Override
  public ModelSource firstVersion() {
    return new ModelSource("bootstrap", dir.resolve("base"), Optional.of(dir.resolve("v1-adapter")));
  }

  @Override
  public VersionLoader loader() {
    return source -> new FactBookReasoner(source.version(), FactBook.in(source.adapter()), stepDelay);
  }

  @Override
  public CandidateTrainer trainer() {
    return new FactBookTrainer(FactBookTrainer.Behaviour.LEARNS);
  }

  @Override
  public Path evaluationSet() {
    return dir.resolve("eval.json");
  }

  @Override
  public Task task() {
    return Task.ATLAS;
  }

  @Override
  public List<Path> replayData() {
    return List.of();
  }

  @Override
  public List<GoldQuestion> teaching() {
    return HELD_OUT;
  }

  @Override
  public List<GoldQuestion> checks() {
    return HELD_OUT;
  }

  @Override
  public boolean isCorrect(Answer answer, GoldQuestion gold) {
    return gold.answer().equals(answer.getLabel());
  }

  /** Right: every step judged right. Wrong: the memory step corrected with the true fact, and the answer. */
  @Override
  public Feedback label(Answer answer, GoldQuestion gold) {
    boolean right = isCorrect(answer, gold);
    List<StepVerdict> steps = new ArrayList<>();
    for (ReasoningStep step : answer.getSteps()) {
      String correction = right ? null
          : step.getKind() == StepKind.MEMORY ? fact(gold) : "So the answer is " + gold.answer() + ".";
      steps.add(new StepVerdict(step.getIndex(), right, correction));
    }
    return Feedback.newBuilder().setQuestionId(answer.getQuestionId())
        .setVerdict(right ? Verdict.CORRECT : Verdict.INCORRECT).setCorrectedAnswer(right ? null : gold.answer())
        .setStepVerdicts(steps).setLabeller("scripted-labeller").setLabelledAt(Instant.now()).build();
  }

  @Override
  public void close() {}
}
