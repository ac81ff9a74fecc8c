package io.memreason.llm;

import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.memreason.llm.LanguageModel.LoadOptions;
import io.memreason.llm.model.LlamaConfig;
import io.memreason.llm.model.ModelFamily;
import io.memreason.llm.model.ProjectionBiases;
import io.memreason.llm.model.RopeScaling;
import io.memreason.llm.random.ModelShape;
import io.memreason.llm.random.RandomCheckpoint;
import io.memreason.llm.safetensors.Dtype;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/** Tiny random checkpoints written to disk for tests. */
public final class TinyModels {
  private TinyModels() {}

  /** The tiny shape with other attention/embedding options. */
  public static LlamaConfig tiny(int kvHeads, boolean tied, boolean llama3Scaling) {
    LlamaConfig t = ModelShape.TINY;
    return new LlamaConfig(t.vocabSize(), t.hiddenSize(), t.intermediateSize(), t.layers(), t.heads(), kvHeads,
        t.headDim(), t.rmsNormEps(), t.ropeTheta(),
        llama3Scaling ? Optional.of(new RopeScaling(8, 1, 4, 32)) : Optional.empty(),
        tied, t.bosTokenId(), List.of(2), t.maxPositionEmbeddings());
  }

  /**
   * The tiny shape as each family's checkpoints have it: Llama (optionally with attention and MLP biases), Qwen2
   * (q/k/v biases; tied or not), Mistral (head_dim 32, wider than hidden / heads = 16, and a 4096-token window).
   */
  public static LlamaConfig of(String variant) {
    LlamaConfig t = ModelShape.TINY;
    return switch (variant) {
      case "llama" -> tiny(2, false, false);
      case "llama-biases" -> tiny(2, false, false).asFamily(ModelFamily.LLAMA, new ProjectionBiases(true, true, true),
          OptionalInt.empty());
      case "qwen2" -> tiny(2, false, false).asFamily(ModelFamily.QWEN2, QWEN2_BIASES, OptionalInt.empty());
      case "qwen2-tied" -> tiny(2, true, false).asFamily(ModelFamily.QWEN2, QWEN2_BIASES, OptionalInt.empty());
      case "mistral" -> new LlamaConfig(t.vocabSize(), t.hiddenSize(), t.intermediateSize(), t.layers(), t.heads(), 2,
          32, t.rmsNormEps(), 1e6, Optional.empty(), false, t.bosTokenId(), List.of(2), t.maxPositionEmbeddings(),
          ModelFamily.MISTRAL, ProjectionBiases.NONE, OptionalInt.of(4096));
      default -> throw new IllegalArgumentException(variant);
    };
  }

  private static final ProjectionBiases QWEN2_BIASES = new ProjectionBiases(true, false, false);

  /** Rewrites a folder's config.json the way transformers 5 writes it (see {@link #asTransformers5}). */
  public static void rewriteAsTransformers5(Path dir) {
    try {
      Path file = dir.resolve("config.json");
      Files.writeString(file, asTransformers5(JsonParser.parseString(Files.readString(file)).getAsJsonObject())
          .toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A transformers-4 config.json in transformers 5's layout: RoPE settings in {@code rope_parameters} (no top-level
   * {@code rope_theta} / {@code rope_scaling}), {@code dtype} instead of {@code torch_dtype}, a null
   * {@code pad_token_id}.
   */
  public static JsonObject asTransformers5(JsonObject v4) {
    JsonObject o = v4.deepCopy();
    JsonObject rope = new JsonObject();
    JsonElement scaling = o.remove("rope_scaling");
    if (scaling != null && scaling.isJsonObject()) {
      scaling.getAsJsonObject().entrySet().forEach(e -> rope.add(e.getKey(), e.getValue()));
    } else {
      rope.addProperty("rope_type", "default");
    }
    JsonElement theta = o.remove("rope_theta");
    rope.add("rope_theta", theta == null ? new JsonPrimitive(10000.0) : theta);
    o.add("rope_parameters", rope);
    JsonElement dtype = o.remove("torch_dtype");
    o.add("dtype", dtype == null ? new JsonPrimitive("float32") : dtype);
    o.add("pad_token_id", JsonNull.INSTANCE);
    o.addProperty("transformers_version", "5.18.0");
    return o;
  }

  /**
   * Writes the standard tiny model (float32, one file) into {@code dir} and returns the folder. It has no EOS
   * token: a random model emits any token, so only a test that wants EOS declares one.
   */
  public static Path write(Path dir) {
    LlamaConfig t = ModelShape.TINY;
    RandomCheckpoint.write(dir, new LlamaConfig(t.vocabSize(), t.hiddenSize(), t.intermediateSize(), t.layers(),
        t.heads(), t.kvHeads(), t.headDim(), t.rmsNormEps(), t.ropeTheta(), t.ropeScaling(), t.tieWordEmbeddings(),
        t.bosTokenId(), List.of(), t.maxPositionEmbeddings()), 7, Dtype.F32);
    return dir;
  }

  public static LanguageModel load(Path dir, int maxSequenceLength) {
    return LanguageModel.load(dir, LoadOptions.cpu(maxSequenceLength));
  }
}
