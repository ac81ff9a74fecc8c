package io.memreason.feedback;

import ai.djl.ndarray.types.DataType;
import io.memreason.config.MemreasonConfig;
import io.memreason.llm.CheckpointException;
import io.memreason.llm.adapter.LoraAdapter;
import io.memreason.llm.adapter.StepTokenWeights;
import io.memreason.llm.model.LlamaConfig;
import io.memreason.llm.tokenizer.TextTokenizer;
import io.memreason.reasoning.TraceTemplate;
import io.memreason.registry.ModelSource;
import io.memreason.training.CheckpointStore;
import io.memreason.training.LoraModel;
import io.memreason.training.LoraTargets;
import io.memreason.training.SequenceFormat;
import io.memreason.training.Trainer;
import io.memreason.training.TrainingProgress;
import io.memreason.training.TrainingSequence;
import io.memreason.training.TrainingSet;
import io.memreason.training.TrainingSettings;
import io.memreason.training.TrainingText;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The {@link CandidateTrainer} of memreason's models: the paper's LoRA + step-token fine-tuning with the project's
 * {@link Trainer}, continued from the parent version's adapter (its LoRA factors in their own shape, and its step
 * tokens; a parent without an adapter starts fresh LoRA factors over its own step tokens), on the labelled traces and
 * the replayed items written with the same template and tokenized by the same tokenizer the model answers with (the
 * adapter's own when it has one, which the candidate keeps). The optimizer starts afresh: a retraining is a new, short run from
 * the parent's weights, not the continuation of the parent's run. The only class of retraining that knows the trainer.
 */
public final class LoraRetrainer implements CandidateTrainer {
  /** The files of a trained adapter, as the runtime loads them. */
  private static final List<String> ADAPTER_FILES = List.of(LoraAdapter.CONFIG_FILE, LoraAdapter.WEIGHTS_FILE,
      StepTokenWeights.JSON_FILE, StepTokenWeights.TENSOR_FILE);

  private final TrainingSettings settings;
  private final Path workDir;

  public LoraRetrainer(TrainingSettings settings, Path workDir) {
    this.settings = settings;
    this.workDir = workDir;
  }

  /** The paper's LoRA settings with the configured epochs, learning rate and seed. */
  public static LoraRetrainer from(MemreasonConfig.Retrain retrain) {
    TrainingSettings p = TrainingSettings.paperLora();
    return new LoraRetrainer(new TrainingSettings(p.scope(), p.lora(), retrain.epochs(), p.batchSize(),
        p.gradientAccumulation(), p.maxLength(), retrain.learningRate(), p.weightDecay(), p.warmupRatio(),
        p.maxGradNorm(), retrain.seed(), p.prefixTokens(), p.tokensPerKind(), p.referenceMaskOffByOne()),
        retrain.workDir());
  }

  @Override
  public void train(ModelSource parent, RetrainingData data, Path out) throws InterruptedException {
    Path base = parent.baseModel();
    LlamaConfig config = LlamaConfig.read(base);
    if (config.eosTokenIds().isEmpty()) {
      throw new CheckpointException(base + "/config.json declares no eos_token_id: training sequences end with EOS");
    }
    Optional<Path> adapter = parent.adapter().filter(dir -> Files.isRegularFile(dir.resolve(LoraAdapter.CONFIG_FILE)));
    TrainingSettings run = adapter.map(dir -> continuing(dir.resolve(LoraAdapter.CONFIG_FILE))).orElse(settings);
    Path scratch = workDir.resolve("run-" + UUID.randomUUID());
    try (LoraModel model = LoraModel.open(base, run, adapter, DataType.FLOAT32, run.maxLength() + 1);
         TrainingProgress progress = TrainingProgress.logLines(Duration.ofSeconds(30))) {
      Path tokenizer = TextTokenizer.folder(adapter, base);
      List<TrainingSequence> sequences = sequences(tokenizer, config, model, data);
      Trainer.Outcome outcome = new Trainer(model, run, new CheckpointStore(scratch), Optional.empty(), progress)
          .train(sequences, Optional.empty());
      for (String file : ADAPTER_FILES) {
        Files.copy(outcome.best().resolve(file), out.resolve(file));
      }
      // A parent that brought its own tokenizer (an imported reference checkpoint) passes it on.
      if (!tokenizer.equals(base)) {
        for (String file : TextTokenizer.FILES) {
          if (Files.isRegularFile(tokenizer.resolve(file))) {
            Files.copy(tokenizer.resolve(file), out.resolve(file));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the retrained adapter: " + e.getMessage(), e);
    } finally {
      deleteTree(scratch);
    }
  }

  /** The settings for continuing a parent's adapter: its own LoRA shape (rank, alpha, dropout, projections). */
  private TrainingSettings continuing(Path adapterConfig) {
    LoraAdapter.Settings parent = LoraAdapter.readSettings(adapterConfig);
    LoraTargets targets = LoraTargets.of(parent.targets()).orElseThrow(() -> new CheckpointException(adapterConfig
        + ": the serving adapter adapts " + parent.targets() + "; retraining continues adapters on the MLP, the "
        + "attention projections or all linear layers"));
    if (parent.rsLora()) {
      throw new CheckpointException(adapterConfig + ": the serving adapter uses rsLoRA, which retraining does not "
          + "continue");
    }
    return settings.withLora(new TrainingSettings.Lora(parent.rank(), parent.alpha(), (float) parent.dropout(),
        targets));
  }

  /** The traces and the replayed items as token sequences, in the template of the model's step tokens. */
  private List<TrainingSequence> sequences(Path tokenizerDir, LlamaConfig config, LoraModel model,
                                           RetrainingData data) {
    List<String> tokens = model.stepTokens().tokens();
    TraceTemplate template = new TraceTemplate(io.memreason.reasoning.StepTokens.fromTokens(tokens));
    List<TrainingText> texts = new ArrayList<>();
    data.traces().forEach(t -> texts.add(TrainingText.fromTrace(template, t.question(), t.steps(), t.answer())));
    texts.addAll(TrainingSet.fromSeed(data.replay(), template).texts());
    try (TextTokenizer tokenizer = TextTokenizer.forModel(tokenizerDir, config.bosTokenId(), model.firstStepTokenId(),
        tokens)) {
      SequenceFormat format = new SequenceFormat(tokenizer.bosTokenId(), config.eosTokenIds().get(0),
          settings.maxLength(), settings.referenceMaskOffByOne());
      return new TrainingSet(texts).encode(format, tokenizer::encodePlain);
    }
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove the retraining scratch folder " + dir + ": " + e.getMessage(), e);
    }
  }
}
