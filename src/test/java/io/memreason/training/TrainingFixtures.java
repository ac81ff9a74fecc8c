package io.memreason.training;

import ai.djl.ndarray.types.DataType;
import io.memreason.llm.model.LlamaConfig;
import io.memreason.llm.random.ModelShape;
import io.memreason.llm.random.RandomCheckpoint;
import io.memreason.llm.random.RandomTensors;
import io.memreason.llm.safetensors.Dtype;
import io.memreason.llm.tokenizer.TextTokenizer;
import io.memreason.reasoning.StepTokens;
import io.memreason.reasoning.TraceTemplate;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Tiny models and settings shared by the training tests. */
final class TrainingFixtures {
  private TrainingFixtures() {}

  /** The tiny two-layer shape (vocabulary 384, hidden 64, GQA). */
  static final LlamaConfig TINY = ModelShape.TINY;

  /** LoRA on the given targets, step tokens P=2, S=1, no dropout, one epoch of single-sequence steps. */
  static TrainingSettings lora(LoraTargets targets, float dropout, float learningRate) {
    return new TrainingSettings(TrainingSettings.Scope.LORA, new TrainingSettings.Lora(4, 8, dropout, targets), 1, 2,
        1, 64, learningRate, 0f, 0f, 1f, 11, 2, 1, false);
  }

  /** A LoRA model over random tiny weights held in memory. */
  static LoraModel randomLora(TrainingSettings settings, DataType dtype) {
    return randomLora(TINY, settings, dtype);
  }

  /** A LoRA model over random weights of a tiny shape (e.g. a family's, {@link TinyModels#of}) held in memory. */
  static LoraModel randomLora(LlamaConfig config, TrainingSettings settings, DataType dtype) {
    return LoraModel.create(config, new RandomTensors(config, 5, 0.02), Optional.empty(), "random tiny",
        TokenizerVocabulary.NONE, Optional.empty(), Optional.empty(), settings, dtype, 64);
  }

  /** Writes the tiny shape with random weights and a byte-level tokenizer (BOS 1, EOS 2) into {@code dir}. */
  static Path tinyCheckpoint(Path dir) {
    return tinyCheckpoint(dir, TINY);
  }

  /** Writes a tiny shape of some family with random weights and the byte-level tokenizer into {@code dir}. */
  static Path tinyCheckpoint(Path dir, LlamaConfig config) {
    RandomCheckpoint.write(dir, config, 7, Dtype.F32);
    return dir;
  }

  /** Short question/step/answer items in the seed format. */
  static List<SeedExample> examples() {
    return List.of(
        new SeedExample("Is ice cold?", "True", List.of("[rag]: Ice is frozen water.", "[reason]: So it is cold."), "train"),
        new SeedExample("Is fire cold?", "False", List.of("[rag]: Fire is hot.", "[reason]: So it is not cold."), "train"),
        new SeedExample("Is snow white?", "True", List.of("[rag]: Snow is white.", "[reason]: So yes."), "train"),
        new SeedExample("Is coal white?", "False", List.of("[rag]: Coal is black.", "[reason]: So no."), "train"));
  }

  /** The examples tokenized for a model trained with {@code settings}, by the model's tokenizer. */
  static List<TrainingSequence> sequences(Path base, TrainableModel model, TrainingSettings settings) {
    List<String> tokens = model.stepTokens().tokens();
    try (TextTokenizer tokenizer = TextTokenizer.load(base, TINY.bosTokenId(), TINY.vocabSize(), tokens)) {
      TraceTemplate template = new TraceTemplate(StepTokens.fromTokens(tokens));
      return TrainingSet.fromSeed(examples(), template).encode(
          SequenceFormat.of(TINY.bosTokenId(), TINY.eosTokenIds().get(0), settings.maxLength()),
          tokenizer::encodePlain);
    }
  }
}
