package io.memreason.interop;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.memreason.llm.CheckpointException;
import io.memreason.llm.adapter.LoraAdapter;
import io.memreason.llm.adapter.StepTokenWeights;
import io.memreason.llm.model.LlamaConfig;
import io.memreason.llm.safetensors.Dtype;
import io.memreason.llm.safetensors.SafetensorsCheckpoint;
import io.memreason.llm.safetensors.SafetensorsWriter;
import io.memreason.llm.tokenizer.TextTokenizer;
import io.memreason.reasoning.StepTokens;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a checkpoint of the reference implementation into memreason's adapter layout, reproducing what its
 * {@code eval.py} computes: the PEFT adapter's LoRA factors ({@code adapter_model.safetensors}), the step tokens'
 * rows with the output bias ({@code step_tokens.json} + {@code step_tokens.safetensors}), and the checkpoint's
 * tokenizer files, whose added step tokens keep the ids and the matching rules the reference trained with.
 *
 * <p>Like eval.py, the rows come from {@code input_embeddings.pt} / {@code output_embeddings.pt}, and where PEFT also
 * saved the embedding layers into the adapter file ({@code embed_tokens.new_embedding}, {@code lm_head.new_linear},
 * which {@code PeftModel.from_pretrained} loads last) those win. The adapter's copies of the base tables
 * ({@code original_embedding}, {@code original_linear}) must be the base model's: they are compared with it on a
 * sample of rows, which catches a wrong {@code --base}.
 */
public final class ReferenceImport {
  /** The record of where an imported folder came from. */
  public static final String RECORD_FILE = "reference_import.json";

  private static final Logger log = LoggerFactory.getLogger(ReferenceImport.class);
  private static final String EMBED = "model.embed_tokens.weight";
  private static final String HEAD = "lm_head.weight";
  private static final String ADAPTER_EMBED = "base_model.model.model.embed_tokens.";
  private static final String ADAPTER_HEAD = "base_model.model.lm_head.";
  private static final List<Map.Entry<String, String>> BASE_COPIES = List.of(
      Map.entry(ADAPTER_EMBED + "original_embedding.weight", EMBED), Map.entry(ADAPTER_HEAD + "original_linear.weight",
      HEAD));
  private static final Pattern LORA_FACTOR = Pattern.compile(".+\\.lora_[AB]\\.weight");
  private static final int SAMPLED_ROWS = 16;

  /**
   * What an import wrote.
   *
   * @param groupsFrom where the token groups came from: prompt_text.json, or the tokenizer's added tokens
   * @param firstTokenId the id the checkpoint's tokenizer gives the first step token
   * @param embeddingRows the base embedding's rows, where the step tokens' own rows start
   * @param embeddingLayersInAdapter whether PEFT had saved the embedding layers into the adapter file too
   */
  public record Result(Path out, ReferenceCheckpoint source, LoraAdapter.Settings lora, StepTokens tokens,
                       String groupsFrom, int firstTokenId, long embeddingRows, boolean embeddingLayersInAdapter) {

    /** One line for a person. */
    public String summary() {
      String ids = "ids " + firstTokenId + "-" + (firstTokenId + tokens.count() - 1);
      if (firstTokenId != embeddingRows) {
        ids += " as the checkpoint's tokenizer gives them; their own rows start at " + embeddingRows + ", so ids below "
            + embeddingRows + " read the base model's rows, as they do in the reference (its bug for a base whose "
            + "embedding has more rows than its tokenizer has tokens)";
      }
      return "imported " + source.dir().toAbsolutePath().normalize() + " into " + out + ": LoRA r=" + lora.rank() + " alpha=" + lora.alpha()
          + " on " + lora.targets() + ", " + tokens.count() + " step tokens (P=" + tokens.prefixTokens() + ", S="
          + tokens.tokensPerKind() + ", <" + tokens.memoryName() + "_i>, " + ids + ") from " + groupsFrom
          + ", step-token rows with their output bias from "
          + (embeddingLayersInAdapter ? source.adapterWeights().getFileName() : "input/output_embeddings.pt");
    }
  }

  private ReferenceImport() {}

  /**
   * Imports a checkpoint into {@code out}, which must not exist yet or be empty; it appears whole or not at all.
   *
   * @param base the Hugging Face folder of the base model the run was trained on
   */
  public static Result run(ReferenceCheckpoint checkpoint, Path base, Path out) {
    if (Files.isDirectory(out) && !isEmpty(out)) {
      throw new CheckpointException(out + " already exists and is not empty: choose a new --out folder");
    }
    Path staging = out.toAbsolutePath().resolveSibling("." + out.getFileName() + ".importing-" + UUID.randomUUID());
    try {
      Files.createDirectories(staging);
      Result result = write(checkpoint, base, staging, out);
      if (Files.isDirectory(out)) {
        Files.delete(out);
      }
      Files.move(staging, out, StandardCopyOption.ATOMIC_MOVE);
      return result;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the imported checkpoint to " + out + ": " + e.getMessage(), e);
    } finally {
      discard(staging);
    }
  }

  /**
   * The adapter folder for {@code model.adapter}: itself when it is in memreason's layout, else (a reference run or
   * checkpoint) its import under {@code cacheDir/reference-imports/}, made on first use and reused while the
   * checkpoint's files and the base stay the same.
   */
  public static Optional<Path> adapterFor(Optional<Path> adapter, Path base, Path cacheDir) {
    if (adapter.isEmpty() || !ReferenceCheckpoint.isReferenceLayout(adapter.get())) {
      return adapter;
    }
    ReferenceCheckpoint checkpoint = ReferenceCheckpoint.locate(adapter.get(), Optional.empty());
    Path target = cacheDir.resolve("reference-imports").resolve(checkpoint.dir().toAbsolutePath().normalize()
        .getFileName() + "-" + cacheKey(checkpoint, base));
    if (Files.isRegularFile(target.resolve(RECORD_FILE))) {
      return Optional.of(target);
    }
    try {
      log.info(run(checkpoint, base, target).summary());
    } catch (RuntimeException e) {
      // Another process imported the same checkpoint at the same moment.
      if (!Files.isRegularFile(target.resolve(RECORD_FILE))) {
        throw e;
      }
    }
    return Optional.of(target);
  }

  private static Result write(ReferenceCheckpoint checkpoint, Path base, Path staging, Path out) throws IOException {
    LlamaConfig config = LlamaConfig.read(base);
    int hidden = config.hiddenSize();
    StepTokenGroups groups = StepTokenGroups.read(checkpoint);
    StepTokens tokens = groups.tokens();
    int n = tokens.count();
    long rows;
    StepTokenRows stepRows;
    try (SafetensorsCheckpoint baseTensors = SafetensorsCheckpoint.openFolder(base);
         AdapterTensors adapter = AdapterTensors.open(checkpoint.adapterWeights())) {
      rows = baseTensors.shape(EMBED)[0];
      checkBaseCopies(adapter, baseTensors, config, base);
      stepRows = StepTokenRows.read(checkpoint, adapter, n, hidden);
      writeLora(checkpoint, adapter, base, staging);
    }
    try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      new StepTokenWeights(tokens.vocabulary(), manager.create(stepRows.in(), new Shape(n, hidden)),
          manager.create(stepRows.out(), new Shape(n, hidden)), manager.create(stepRows.bias(), new Shape(n)))
          .write(staging);
      for (String file : TextTokenizer.FILES) {
        Path from = checkpoint.dir().resolve(file);
        if (Files.isRegularFile(from)) {
          Files.write(staging.resolve(file), Files.readAllBytes(from));
        }
      }
      LoraAdapter.Settings lora = validate(checkpoint, config, staging, manager, tokens, rows);
      Result result = new Result(out, checkpoint, lora, tokens, groups.from(), groups.firstId(), rows,
          stepRows.fromAdapter());
      writeRecord(result, base, staging);
      return result;
    }
  }

  /** The adapter's copies of the base tables must be the base's, or the run was trained on another model. */
  private static void checkBaseCopies(AdapterTensors adapter, SafetensorsCheckpoint base, LlamaConfig config,
                                      Path baseDir) {
    for (Map.Entry<String, String> copy : BASE_COPIES) {
      if (!adapter.names().contains(copy.getKey())) {
        continue;
      }
      String baseName = copy.getValue().equals(HEAD) && config.tieWordEmbeddings() ? EMBED : copy.getValue();
      long[] shape = adapter.shape(copy.getKey());
      long[] expected = base.shape(baseName);
      if (!Arrays.equals(shape, expected)) {
        throw new CheckpointException(adapter.file() + ": " + copy.getKey() + " has shape " + Arrays.toString(shape)
            + " but the base's " + baseName + " has " + Arrays.toString(expected) + ": the run was trained on another "
            + "base model than " + baseDir + "; pass that one with --base");
      }
      long rowCount = shape[0];
      int width = (int) shape[1];
      for (int i = 0; i < SAMPLED_ROWS; i++) {
        long row = rowCount <= 1 ? 0 : i * (rowCount - 1) / (SAMPLED_ROWS - 1);
        float[] saved = adapter.floats(copy.getKey(), row * width, width);
        float[] own = base.floats(baseName, row * width, width);
        for (int j = 0; j < width; j++) {
          // The reference may have loaded the base in float16: allow that rounding, nothing more.
          if (Math.abs(saved[j] - own[j]) > 1e-3f * Math.max(Math.abs(saved[j]), Math.abs(own[j])) + 1e-6f) {
            throw new CheckpointException(adapter.file() + ": " + copy.getKey() + " differs from the base's "
                + baseName + " (row " + row + ", column " + j + ": " + saved[j] + " vs " + own[j] + "): the run was "
                + "trained on another base model than " + baseDir + "; pass that one with --base");
          }
        }
      }
    }
  }

  /** The LoRA factors as float32 safetensors, and PEFT's own adapter_config.json with this base's path. */
  private static void writeLora(ReferenceCheckpoint checkpoint, AdapterTensors adapter, Path base, Path staging)
      throws IOException {
    SafetensorsWriter writer = new SafetensorsWriter();
    for (String name : adapter.names()) {
      if (LORA_FACTOR.matcher(name).matches()) {
        writer.addFloats(name, adapter.shape(name), adapter.floats(name), Dtype.F32);
      } else if (!name.startsWith(ADAPTER_EMBED) && !name.startsWith(ADAPTER_HEAD)) {
        throw new CheckpointException(adapter.file() + ": tensor '" + name + "' is neither a LoRA factor nor one of the "
            + "embedding layers PEFT saves beside them; memreason cannot import it");
      }
    }
    writer.write(staging.resolve(LoraAdapter.WEIGHTS_FILE));
    JsonObject config;
    try (Reader r = Files.newBufferedReader(checkpoint.adapterConfig())) {
      config = JsonParser.parseReader(r).getAsJsonObject();
    } catch (IOException | RuntimeException e) {
      throw new CheckpointException("cannot read " + checkpoint.adapterConfig() + ": " + e.getMessage(), e);
    }
    config.addProperty("base_model_name_or_path", base.toAbsolutePath().normalize().toString());
    Files.writeString(staging.resolve(LoraAdapter.CONFIG_FILE),
        new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(config));
  }

  /** Loads what was written as memreason will, so an import that would not serve fails here, naming the source. */
  private static LoraAdapter.Settings validate(ReferenceCheckpoint checkpoint, LlamaConfig config, Path staging,
                                               NDManager manager, StepTokens tokens, long rows) {
    try {
      LoraAdapter adapter = LoraAdapter.read(staging, config, manager);
      StepTokenWeights.read(staging, config.hiddenSize(), manager);
      try (TextTokenizer tokenizer = TextTokenizer.forModel(staging, config.bosTokenId(), (int) rows, tokens.tokens())) {
        tokenizer.encodePlain(tokens.prefix());
      }
      return adapter.settings();
    } catch (CheckpointException e) {
      throw new CheckpointException("cannot import " + checkpoint.dir() + ": " + e.getMessage()
          .replace(staging.resolve(LoraAdapter.WEIGHTS_FILE).toString(), checkpoint.adapterWeights().toString())
          .replace(staging.toString(), checkpoint.dir().toString()), e);
    }
  }

  private static void writeRecord(Result result, Path base, Path staging) throws IOException {
    JsonObject o = new JsonObject();
    o.addProperty("source", result.source().dir().toAbsolutePath().normalize().toString());
    o.addProperty("base", base.toAbsolutePath().normalize().toString());
    o.addProperty("token_groups_from", result.groupsFrom());
    o.addProperty("adapter_file", result.source().adapterWeights().getFileName().toString());
    o.addProperty("embedding_layers_in_adapter", result.embeddingLayersInAdapter());
    o.addProperty("first_step_token_id", result.firstTokenId());
    o.addProperty("embedding_rows", result.embeddingRows());
    JsonArray files = new JsonArray();
    result.source().sources().forEach(f -> files.add(f.toAbsolutePath().normalize().toString()));
    o.add("files", files);
    Files.writeString(staging.resolve(RECORD_FILE), new GsonBuilder().setPrettyPrinting().create().toJson(o));
  }

  /** Names the checkpoint's files and the base as they are now: a changed file or base gives a new import. */
  private static String cacheKey(ReferenceCheckpoint checkpoint, Path base) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(base.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
      for (Path file : checkpoint.sources()) {
        String entry = "\n" + file.toAbsolutePath().normalize() + "\t" + Files.size(file) + "\t"
            + Files.getLastModifiedTime(file).toMillis();
        sha.update(entry.getBytes(StandardCharsets.UTF_8));
      }
      return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + checkpoint.dir() + ": " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }

  private static boolean isEmpty(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.findAny().isEmpty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Removes a staging folder; the import writes no subfolders. */
  private static void discard(Path staging) {
    if (!Files.isDirectory(staging)) {
      return;
    }
    try (Stream<Path> files = Files.list(staging)) {
      for (Path file : files.toList()) {
        Files.delete(file);
      }
      Files.delete(staging);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove " + staging + ": " + e.getMessage(), e);
    }
  }
}
