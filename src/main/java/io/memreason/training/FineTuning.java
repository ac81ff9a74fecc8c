package io.memreason.training;

import ai.djl.ndarray.types.DataType;
import io.memreason.llm.CheckpointException;
import io.memreason.llm.model.LlamaConfig;
import io.memreason.llm.tokenizer.TextTokenizer;
import io.memreason.reasoning.StepTokens;
import io.memreason.reasoning.Task;
import io.memreason.reasoning.TraceTemplate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A LoRA fine-tuning run from files, as {@code memreason train} starts it: a Hugging Face base folder, a
 * seed-format dataset, an output folder for checkpoints, and optionally a test set scored at every epoch's end.
 */
public final class FineTuning {
  private FineTuning() {}

  /**
   * What to train.
   *
   * @param trainLimit use only the first N training items (0 = all)
   * @param resume continue the run whose checkpoints are in {@code out}
   */
  public record Request(Path base, Path dataset, Task task, Path out, TrainingSettings settings, int trainLimit,
                        Optional<EvaluationSet> evaluation, boolean resume) {}

  /**
   * The test set scored at every epoch's end.
   *
   * @param limit the first N evaluated gold items (0 = all)
   */
  public record EvaluationSet(Path dataset, int limit, int maxNewTokens) {}

  public static Trainer.Outcome run(Request request, TrainingProgress progress) throws IOException,
      InterruptedException {
    CheckpointStore store = new CheckpointStore(request.out());
    Optional<Trainer.Checkpoint> resume = Optional.empty();
    if (request.resume()) {
      Path last = store.resolve(CheckpointStore.LAST).orElseThrow(() -> new CheckpointException(
          "--resume: no checkpoint in " + request.out() + " (no 'last' link); start without --resume"));
      TrainerState state = TrainerState.read(last);
      List<String> differing = state.settingsDifferingFrom(request.settings());
      if (!differing.isEmpty()) {
        throw new IllegalArgumentException("--resume continues the run in " + request.out() + " with its own "
            + "settings, but these options differ from it: " + differing);
      }
      resume = Optional.of(new Trainer.Checkpoint(last, state));
    }
    TrainingSettings settings = request.settings();
    int maxTotalTokens = request.evaluation().map(e -> settings.maxLength() + e.maxNewTokens()).orElse(0);
    int positions = Math.max(settings.maxLength() + 1, maxTotalTokens);
    LlamaConfig config = LlamaConfig.read(request.base());
    if (config.eosTokenIds().isEmpty()) {
      throw new CheckpointException(request.base() + "/config.json declares no eos_token_id: training sequences end "
          + "with EOS");
    }
    try (LoraModel model = LoraModel.open(request.base(), settings, resume.map(Trainer.Checkpoint::dir),
        DataType.FLOAT32, positions)) {
      List<TrainingSequence> sequences = sequences(request, model, config);
      Optional<Trainer.Evaluation> evaluation = request.evaluation().map(e -> new Trainer.Evaluation(
          new GenerationEvaluation(request.task(), e.maxNewTokens(), maxTotalTokens, 1, 16),
          evaluationItems(request.task(), e)));
      return new Trainer(model, settings, store, evaluation, progress).train(sequences, resume);
    }
  }

  private static List<TrainingSequence> sequences(Request request, TrainableModel model, LlamaConfig config)
      throws IOException {
    List<SeedExample> items = SeedFile.read(request.dataset());
    if (request.trainLimit() > 0) {
      items = items.subList(0, Math.min(request.trainLimit(), items.size()));
    }
    List<String> tokens = model.stepTokens().tokens();
    TraceTemplate template = new TraceTemplate(StepTokens.fromTokens(tokens));
    TrainingSet set = TrainingSet.fromSeed(items, template);
    if (set.size() == 0) {
      throw new IllegalArgumentException(request.dataset() + " has no item with chain-of-thought steps to train on");
    }
    try (TextTokenizer tokenizer = TextTokenizer.forModel(request.base(), config.bosTokenId(),
        model.firstStepTokenId(), tokens)) {
      SequenceFormat format = new SequenceFormat(tokenizer.bosTokenId(), config.eosTokenIds().get(0),
          request.settings().maxLength(), request.settings().referenceMaskOffByOne());
      return set.encode(format, tokenizer::encodePlain);
    }
  }

  /** The gold items the reference would evaluate, cut to the limit. */
  static List<SeedExample> evaluationItems(Task task, EvaluationSet set) {
    try {
      List<SeedExample> gold = ReferenceEvaluation.goldItems(task, SeedFile.read(set.dataset()), Optional.empty());
      return set.limit() > 0 ? gold.subList(0, Math.min(set.limit(), gold.size())) : gold;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + set.dataset() + ": " + e.getMessage(), e);
    }
  }
}
