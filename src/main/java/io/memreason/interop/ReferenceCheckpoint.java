package io.memreason.interop;

import io.memreason.llm.CheckpointException;
import io.memreason.llm.adapter.LoraAdapter;
import io.memreason.llm.adapter.StepTokenWeights;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One model saved by the paper's reference implementation ({@code train.py} of MingyuJ666/Disentangling-Memory-and-
 * Reasoning, built on WANGXinyiLinda/planning_tokens), as its {@code eval.py} loads it: a {@code checkpoint-N} folder
 * of a run, or the run folder itself (the final {@code trainer.save_model}). It holds the PEFT adapter
 * ({@code adapter_config.json} with {@code adapter_model.safetensors} or the pickled {@code adapter_model.bin}), the
 * step tokens' rows as pickled modules ({@code input_embeddings.pt}: an {@code nn.Embedding}, {@code
 * output_embeddings.pt}: an {@code nn.Linear} with a bias) and the tokenizer with the step tokens added; the token
 * groups ({@code prompt_text.json}) are written once per run, into the run folder.
 *
 * @param dir the checkpoint folder (or the run folder for the final model)
 * @param promptText {@code prompt_text.json} beside or above it; empty when training never finished
 * @param adapterWeights {@code adapter_model.safetensors} when there is one (PEFT reads it first), else {@code .bin}
 * @param inputEmbeddings {@code input_embeddings.pt}, when saved
 * @param outputEmbeddings {@code output_embeddings.pt}, when saved
 */
public record ReferenceCheckpoint(Path dir, Optional<Path> promptText, Path adapterConfig, Path adapterWeights,
                                  Optional<Path> inputEmbeddings, Optional<Path> outputEmbeddings) {

  public static final String PROMPT_TEXT = "prompt_text.json";
  public static final String ADAPTER_BIN = "adapter_model.bin";
  public static final String INPUT_EMBEDDINGS = "input_embeddings.pt";
  public static final String OUTPUT_EMBEDDINGS = "output_embeddings.pt";
  private static final Pattern CHECKPOINT = Pattern.compile("checkpoint-(\\d+)");

  /**
   * Whether a folder is a reference run or one of its checkpoints rather than memreason's adapter layout: it has the
   * reference's own files (pickled step-token modules, the pickled adapter, the token groups) or checkpoints that
   * do, and no {@code step_tokens.json}.
   */
  public static boolean isReferenceLayout(Path dir) {
    if (!Files.isDirectory(dir) || Files.isRegularFile(dir.resolve(StepTokenWeights.JSON_FILE))) {
      return false;
    }
    return hasReferenceFiles(dir) || checkpoints(dir).stream().anyMatch(ReferenceCheckpoint::hasReferenceFiles);
  }

  private static boolean hasReferenceFiles(Path dir) {
    return Stream.of(INPUT_EMBEDDINGS, OUTPUT_EMBEDDINGS, ADAPTER_BIN, PROMPT_TEXT)
        .anyMatch(f -> Files.isRegularFile(dir.resolve(f)));
  }

  /**
   * The model of a run: {@code run/checkpoint} when a checkpoint is named, else the folder itself (a checkpoint
   * folder, or a run folder holding its final model).
   */
  public static ReferenceCheckpoint locate(Path run, Optional<String> checkpoint) {
    if (!Files.isDirectory(run)) {
      throw new CheckpointException("reference run folder " + run + " does not exist");
    }
    Path dir = checkpoint.map(run::resolve).orElse(run);
    if (checkpoint.isPresent() && !Files.isDirectory(dir)) {
      throw new CheckpointException("no checkpoint " + checkpoint.get() + " in " + run + available(run));
    }
    Path config = dir.resolve(LoraAdapter.CONFIG_FILE);
    if (!Files.isRegularFile(config)) {
      if (checkpoint.isEmpty() && !checkpoints(run).isEmpty()) {
        throw new CheckpointException(run + " holds no final model (" + LoraAdapter.CONFIG_FILE + "): training did "
            + "not finish there; pick one of its checkpoints with --checkpoint, or name its folder"
            + available(run));
      }
      if (Files.isRegularFile(dir.resolve(INPUT_EMBEDDINGS))) {
        throw new CheckpointException(dir + " has step-token rows but no " + LoraAdapter.CONFIG_FILE + ": a run "
            + "trained with --parameter_efficient_mode prompt-tuning (no LoRA), which memreason does not import; "
            + "it imports lora+prompt-tuning runs");
      }
      throw new CheckpointException(dir + " is not a checkpoint of the reference implementation: it has no "
          + LoraAdapter.CONFIG_FILE);
    }
    if (Files.isRegularFile(dir.resolve("embeddings.pt"))) {
      throw new CheckpointException(dir + " holds embeddings.pt, the step-token table of planning_tokens' "
          + "prompt-tuning mode; memreason imports the memory/reason runs' input_embeddings.pt and output_embeddings.pt");
    }
    Path safetensors = dir.resolve(LoraAdapter.WEIGHTS_FILE);
    Path bin = dir.resolve(ADAPTER_BIN);
    Path weights = Files.isRegularFile(safetensors) ? safetensors : bin;
    if (!Files.isRegularFile(weights)) {
      throw new CheckpointException(dir + " has " + LoraAdapter.CONFIG_FILE + " but neither " + LoraAdapter.WEIGHTS_FILE
          + " nor " + ADAPTER_BIN);
    }
    // train.py writes prompt_text.json into output_dir only; eval.py reads it from the checkpoint's parent.
    Optional<Path> promptText = Stream.of(dir.resolve(PROMPT_TEXT), dir.toAbsolutePath().getParent().resolve(PROMPT_TEXT))
        .filter(Files::isRegularFile).findFirst();
    return new ReferenceCheckpoint(dir, promptText, config, weights, existing(dir.resolve(INPUT_EMBEDDINGS)),
        existing(dir.resolve(OUTPUT_EMBEDDINGS)));
  }

  /** The files the import reads, for recognising an import that is still current. */
  public List<Path> sources() {
    return Stream.of(promptText, Optional.of(adapterConfig), Optional.of(adapterWeights), inputEmbeddings,
        outputEmbeddings, Optional.of(dir.resolve("tokenizer.json"))).flatMap(Optional::stream).toList();
  }

  private static Optional<Path> existing(Path file) {
    return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
  }

  /** The {@code checkpoint-N} folders of a run, by step. */
  static List<Path> checkpoints(Path run) {
    try (Stream<Path> children = Files.list(run)) {
      return children.filter(Files::isDirectory).filter(p -> CHECKPOINT.matcher(p.getFileName().toString()).matches())
          .sorted(Comparator.comparingLong(ReferenceCheckpoint::step)).toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + run + ": " + e.getMessage(), e);
    }
  }

  private static long step(Path checkpoint) {
    Matcher m = CHECKPOINT.matcher(checkpoint.getFileName().toString());
    return m.matches() ? Long.parseLong(m.group(1)) : -1;
  }

  private static String available(Path run) {
    List<Path> all = checkpoints(run);
    return all.isEmpty() ? "" : " (it has " + String.join(", ", all.stream().map(p -> p.getFileName().toString())
        .toList()) + ")";
  }
}
