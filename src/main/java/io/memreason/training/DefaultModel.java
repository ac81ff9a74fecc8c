package io.memreason.training;

import ai.djl.ndarray.types.DataType;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.memreason.llm.LanguageModel;
import io.memreason.llm.LanguageModel.LoadOptions;
import io.memreason.llm.model.LlamaConfig;
import io.memreason.llm.random.RandomTensors;
import io.memreason.llm.tokenizer.TextTokenizer;
import io.memreason.reasoning.StepKind;
import io.memreason.reasoning.StepText;
import io.memreason.reasoning.StepTokens;
import io.memreason.reasoning.Task;
import io.memreason.reasoning.TraceParser;
import io.memreason.reasoning.TraceTemplate;
import io.memreason.training.atlas.AtlasDataset;
import io.memreason.training.atlas.AtlasQuestion;
import io.memreason.training.atlas.StepJudge;
import io.memreason.training.atlas.WordLevelTokenizerJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * memreason's default model, built on this machine in a few minutes: a tiny Llama trained from scratch, every
 * parameter and its step tokens, on the atlas world's questions and traces ({@link AtlasDataset}), with the
 * world's word-level tokenizer. The result is an ordinary Hugging Face folder plus {@code step_tokens.*}, so the
 * runtime serves it like any checkpoint and the retraining loop can put LoRA and step-token rows on top of it.
 *
 * <p>A model is kept in {@code <cache>/default-model-<recipe id>/}; the id hashes the recipe, so a changed recipe
 * builds a new model and an unchanged one is reused. The build is a pure function of the recipe: the world, the
 * data order, the initial weights and every update come from its seed (torch runs single-threaded ops here).
 */
public final class DefaultModel {
  /** What the folder records about its build, beside the model files. */
  public static final String REPORT_FILE = "default_model.json";
  private static final List<String> MODEL_FILES = List.of("config.json", "generation_config.json", "model.safetensors",
      "tokenizer.json", "step_tokens.json", "step_tokens.safetensors");

  /**
   * Everything that decides the default model.
   *
   * @param seed the world, the question sets, the initial weights and the data order
   * @param maxPositions the longest sequence (prompt plus generation) the model serves
   */
  public record Recipe(long seed, AtlasDataset.Sizes sizes, int hidden, int intermediate, int layers, int heads,
                       int maxPositions, TrainingSettings settings) {

    /** Ids already computed: each costs generating the questions. */
    private static final Map<Recipe, String> IDS = new ConcurrentHashMap<>();

    /**
     * A short hash of the recipe and of the questions it generates, naming the model's folder: a change to the atlas
     * generator builds a new model too, instead of reusing one trained on other questions.
     */
    public String id() {
      return IDS.computeIfAbsent(this, Recipe::hash);
    }

    private String hash() {
      try {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        Gson gson = new Gson();
        sha.update(gson.toJson(this).getBytes(StandardCharsets.UTF_8));
        byte[] digest = sha.digest(gson.toJson(dataset()).getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest, 0, 6);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is missing from this JVM", e);
      }
    }

    /** The atlas world of this recipe and its question sets: what the model is trained and evaluated on. */
    public AtlasDataset dataset() {
      return AtlasDataset.generate(seed, sizes);
    }

    /** The model's shape for a vocabulary: tied embeddings, multi-head attention, BOS 1 and EOS 2 as the tokenizer. */
    LlamaConfig config(int vocabularySize) {
      return new LlamaConfig(vocabularySize, hidden, intermediate, layers, heads, heads, hidden / heads, 1e-5, 10000,
          Optional.empty(), true, 1, List.of(2), maxPositions);
    }
  }

  /**
   * How the model did on the atlas questions it never saw, by greedy generation.
   *
   * @param testAccuracy answers right on test questions, whose facts were all trained
   * @param heldOutAccuracy answers right on questions about the held-out facts (no train trace states them)
   * @param heldOutChance the accuracy of guessing uniformly among each held-out question's possible answers (True or
   *     False, or every name of the answer's kind): what "near chance" compares with
   * @param heldOutMemoryStepAccuracy generated memory steps on the held-out questions that are true (those stating a
   *     held-out birthplace can only be right by chance)
   * @param memoryStepAccuracy generated memory steps on the test questions that the step judge finds true
   * @param reasonStepAccuracy generated reason steps on the test questions whose every statement is true
   */
  public record Report(String id, double trainSeconds, double seconds, int testQuestions, double testAccuracy,
                       int heldOutQuestions, double heldOutAccuracy, double heldOutChance,
                       double heldOutMemoryStepAccuracy, int memorySteps, double memoryStepAccuracy, int reasonSteps,
                       double reasonStepAccuracy) {}

  /** The model and its report. */
  public record Built(Path folder, Report report) {}

  private DefaultModel() {}

  /**
   * The recipe memreason ships with: hidden 128, 2 layers of 4 heads, MLP 384, tied embeddings (about 0.5 M
   * parameters), one prefix and one token per step kind; 20 epochs of batches of 32, AdamW at 5e-3 without weight
   * decay, 5 % warm-up. Chosen among the variants tried (wider, deeper, more heads, weight decay, longer, oversampled
   * True/False questions) as the best test accuracy within the time budget.
   */
  public static Recipe defaultRecipe() {
    TrainingSettings settings = new TrainingSettings(TrainingSettings.Scope.FULL, null, 20, 32, 1, 96, 5e-3f, 0f,
        0.05f, 1f, 1, 1, 1, false);
    return new Recipe(1, AtlasDataset.Sizes.DEFAULT, 128, 384, 2, 4, 256, settings);
  }

  /** The cached model of {@code recipe} in {@code cacheDir}, built first if there is none. */
  public static Path ensure(Path cacheDir, Recipe recipe, TrainingProgress progress) throws InterruptedException {
    return isBuilt(cacheDir, recipe) ? folder(cacheDir, recipe) : build(cacheDir, recipe, progress).folder();
  }

  /** Where the model of {@code recipe} lives in {@code cacheDir}. */
  public static Path folder(Path cacheDir, Recipe recipe) {
    return cacheDir.resolve("default-model-" + recipe.id());
  }

  /** Whether {@code cacheDir} holds a complete model of {@code recipe} (its report is written last). */
  public static boolean isBuilt(Path cacheDir, Recipe recipe) {
    return Files.isRegularFile(folder(cacheDir, recipe).resolve(REPORT_FILE));
  }

  /** The report of a built model. */
  public static Report report(Path cacheDir, Recipe recipe) {
    Path file = folder(cacheDir, recipe).resolve(REPORT_FILE);
    try {
      return new Gson().fromJson(Files.readString(file), Recorded.class).report();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** Builds the model of {@code recipe} into {@code cacheDir}, replacing a cached one, and evaluates it. */
  public static Built build(Path cacheDir, Recipe recipe, TrainingProgress progress) throws InterruptedException {
    long started = System.nanoTime();
    Path target = folder(cacheDir, recipe);
    Path staging = cacheDir.resolve(".default-model-" + recipe.id() + ".partial");
    try {
      CheckpointStore.deleteTree(staging);
      Path tokenizerDir = Files.createDirectories(staging.resolve("tokenizer"));
      AtlasDataset dataset = recipe.dataset();
      WordLevelTokenizerJson.write(tokenizerDir.resolve("tokenizer.json"), dataset.vocabulary());
      LlamaConfig config = recipe.config(WordLevelTokenizerJson.vocabulary(dataset.vocabulary()).size());
      TrainingSettings settings = recipe.settings();
      Path model;
      try (FullParameterModel trainable = FullParameterModel.create(config, new RandomTensors(config, recipe.seed(),
          0.02), tokenizerDir, Optional.empty(), settings, DataType.FLOAT32, recipe.maxPositions(),
          "default model " + recipe.id())) {
        List<TrainingSequence> sequences = sequences(dataset.train(), trainable, config, settings, tokenizerDir);
        Trainer.Outcome outcome = new Trainer(trainable, settings, new CheckpointStore(staging.resolve("run")),
            Optional.empty(), progress).train(sequences, Optional.empty());
        model = Files.createDirectories(staging.resolve("model"));
        for (String file : MODEL_FILES) {
          Files.copy(outcome.last().resolve(file), model.resolve(file));
        }
      }
      double trainSeconds = (System.nanoTime() - started) / 1e9;
      progress.note("trained in " + Math.round(trainSeconds) + " s; evaluating on the atlas test questions");
      Report report = evaluate(model, dataset, recipe, trainSeconds, started);
      Files.writeString(model.resolve(REPORT_FILE), new GsonBuilder().setPrettyPrinting().create()
          .toJson(new Recorded(recipe, report)));
      CheckpointStore.deleteTree(target);
      Files.move(model, target, StandardCopyOption.ATOMIC_MOVE);
      CheckpointStore.deleteTree(staging);
      return new Built(target, report);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot build the default model in " + cacheDir + ": " + e.getMessage(), e);
    }
  }

  private record Recorded(Recipe recipe, Report report) {}

  private static List<TrainingSequence> sequences(List<AtlasQuestion> questions, TrainableModel model,
                                                  LlamaConfig config, TrainingSettings settings, Path tokenizerDir) {
    List<String> tokens = model.stepTokens().tokens();
    TrainingSet set = TrainingSet.fromSeed(seedExamples(questions, "train"),
        new TraceTemplate(StepTokens.fromTokens(tokens)));
    try (TextTokenizer tokenizer = TextTokenizer.forModel(tokenizerDir, config.bosTokenId(), model.firstStepTokenId(),
        tokens)) {
      SequenceFormat format = SequenceFormat.of(tokenizer.bosTokenId(), config.eosTokenIds().get(0), settings.maxLength());
      return set.encode(format, tokenizer::encodePlain);
    }
  }

  private static List<SeedExample> seedExamples(List<AtlasQuestion> questions, String split) {
    return questions.stream().map(q -> new SeedExample(q.question(), q.answer(), q.cotSteps(), split)).toList();
  }

  private static Report evaluate(Path model, AtlasDataset dataset, Recipe recipe, double trainSeconds, long started)
      throws InterruptedException {
    GenerationEvaluation generation = new GenerationEvaluation(Task.ATLAS, recipe.maxPositions() / 2,
        recipe.maxPositions(), 2, 32);
    List<AtlasQuestion> heldOut = new ArrayList<>(dataset.heldOut());
    heldOut.addAll(dataset.heldOutTest());
    try (LanguageModel loaded = LanguageModel.load(model, LoadOptions.cpu(recipe.maxPositions()))) {
      GenerationEvaluation.Result test = generation.run(loaded, seedExamples(dataset.test(), "test"));
      GenerationEvaluation.Result held = generation.run(loaded, seedExamples(heldOut, "heldout"));
      StepCounts steps = StepCounts.of(test.outputs(), dataset.judge());
      StepCounts heldOutSteps = StepCounts.of(held.outputs(), dataset.judge());
      return new Report(recipe.id(), round(trainSeconds), round((System.nanoTime() - started) / 1e9),
          test.scorecard().n(), round(test.scorecard().accuracy()), held.scorecard().n(),
          round(held.scorecard().accuracy()), round(chance(heldOut, dataset)),
          round(heldOutSteps.memoryAccuracy()), steps.memory(), round(steps.memoryAccuracy()), steps.reason(),
          round(steps.reasonAccuracy()));
    }
  }

  /** The mean, over questions, of 1 / the number of answers a question of its kind can have. */
  private static double chance(List<AtlasQuestion> questions, AtlasDataset dataset) {
    return questions.stream().mapToDouble(q -> q.isTrueOrFalse() ? 0.5
        : 1.0 / dataset.world().kindOf(q.answer()).map(kind -> dataset.world().names(kind).size()).orElse(1))
        .average().orElse(0);
  }

  private static double round(double value) {
    return Math.round(value * 10_000) / 10_000.0;
  }

  /** Generated memory and reason steps and how many of each the step judge finds right. */
  private record StepCounts(int memory, int memoryCorrect, int reason, int reasonCorrect) {

    static StepCounts of(List<GeneratedOutput> outputs, StepJudge judge) {
      int memory = 0;
      int memoryCorrect = 0;
      int reason = 0;
      int reasonCorrect = 0;
      for (GeneratedOutput output : outputs) {
        TraceParser parser = TraceParser.forFullText();
        List<StepText> steps = new ArrayList<>(parser.accept(output.generatedText()));
        parser.finish().lastStep().ifPresent(steps::add);
        for (StepText step : steps) {
          if (step.kind() == StepKind.MEMORY) {
            memory++;
            memoryCorrect += judge.judge(step.kind(), step.text()).isCorrect() ? 1 : 0;
          } else if (step.kind() == StepKind.REASON) {
            reason++;
            reasonCorrect += judge.judge(step.kind(), step.text()).isCorrect() ? 1 : 0;
          }
        }
      }
      return new StepCounts(memory, memoryCorrect, reason, reasonCorrect);
    }

    double memoryAccuracy() {
      return memory == 0 ? 0 : memoryCorrect / (double) memory;
    }

    double reasonAccuracy() {
      return reason == 0 ? 0 : reasonCorrect / (double) reason;
    }
  }
}
