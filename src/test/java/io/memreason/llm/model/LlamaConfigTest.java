package io.memreason.llm.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.memreason.llm.CheckpointException;
import io.memreason.llm.TinyModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * config.json as transformers 4.x and 5.x write it for Llama, Qwen2 and Mistral: both spellings give the same
 * model, every family's differences are read as data, and what memreason does not run is refused in one line that
 * names what it supports.
 */
class LlamaConfigTest {

  /** A config of the shared fixtures (qwen2-tiny: transformers 4.57 layout; mistral-tiny: 5.18 layout). */
  private static JsonObject shared(String family) {
    try {
      Path file = Path.of(System.getProperty("memreason.shared"), "golden-families", family, "config.json");
      return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static JsonObject edited(JsonObject o, Consumer<JsonObject> edit) {
    JsonObject copy = o.deepCopy();
    edit.accept(copy);
    return copy;
  }

  private static LlamaConfig parse(JsonObject o) {
    return LlamaConfig.fromJson(o, "config.json");
  }

  private static void assertRefused(JsonObject o, String... parts) {
    CheckpointException e = assertThrows(CheckpointException.class, () -> parse(o));
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), "'" + e.getMessage() + "' lacks '" + part + "'");
    }
    assertEquals(1, e.getMessage().lines().count(), "one line");
  }

  @Test
  void qwen2HasQueryKeyValueBiasesAndNoWindowWhileUseSlidingWindowIsFalse() {
    LlamaConfig c = parse(shared("qwen2-tiny"));
    assertEquals(ModelFamily.QWEN2, c.family());
    assertEquals(new ProjectionBiases(true, false, false), c.biases());
    assertEquals(16, c.headDim(), "hidden / heads: Qwen2 has no head_dim key");
    assertEquals(1e6, c.ropeTheta());
    assertEquals(OptionalInt.empty(), c.slidingWindow());
    // Checkpoints of 4.40-era transformers: a window that is switched off.
    LlamaConfig old = parse(edited(shared("qwen2-tiny"), o -> {
      o.remove("layer_types");
      o.addProperty("sliding_window", 131072);
    }));
    assertEquals(OptionalInt.empty(), old.slidingWindow());
    // Switched on, but only from layer max_window_layers = 28 on, and the model has 2 layers.
    LlamaConfig late = parse(edited(shared("qwen2-tiny"), o -> {
      o.remove("layer_types");
      o.addProperty("sliding_window", 64);
      o.addProperty("use_sliding_window", true);
    }));
    assertEquals(OptionalInt.empty(), late.slidingWindow());
    LlamaConfig windowed = parse(edited(shared("qwen2-tiny"), o -> {
      o.remove("layer_types");
      o.addProperty("sliding_window", 64);
      o.addProperty("use_sliding_window", true);
      o.addProperty("max_window_layers", 1);
    }));
    assertEquals(OptionalInt.of(64), windowed.slidingWindow());
  }

  @Test
  void layerTypesSayWhichLayersSlide() {
    LlamaConfig c = parse(edited(shared("qwen2-tiny"), o -> {
      o.add("layer_types", JsonParser.parseString("[\"full_attention\", \"sliding_attention\"]"));
      o.addProperty("sliding_window", 32);
    }));
    assertEquals(OptionalInt.of(32), c.slidingWindow());
    assertRefused(edited(shared("qwen2-tiny"), o ->
        o.add("layer_types", JsonParser.parseString("[\"full_attention\", \"linear_attention\"]"))),
        "layer type 'linear_attention'", "full_attention");
  }

  @Test
  void mistralReadsTransformers5RopeParametersAndItsOwnHeadDim() {
    LlamaConfig c = parse(shared("mistral-tiny"));
    assertEquals(ModelFamily.MISTRAL, c.family());
    assertEquals(1e6, c.ropeTheta(), "rope_parameters.rope_theta, not the 10000 default");
    assertEquals(32, c.headDim());
    assertEquals(ProjectionBiases.NONE, c.biases());
    assertEquals(OptionalInt.empty(), c.slidingWindow());
    assertEquals(24, parse(edited(shared("mistral-tiny"), o -> o.add("head_dim", JsonNull.INSTANCE))).headDim());
    assertEquals(24, parse(edited(shared("mistral-tiny"), o -> o.remove("head_dim"))).headDim());
    assertEquals(4, parse(edited(shared("mistral-tiny"), o -> o.add("num_key_value_heads", JsonNull.INSTANCE)))
        .kvHeads());
    assertEquals(OptionalInt.of(4096), parse(edited(shared("mistral-tiny"), o -> o.addProperty("sliding_window", 4096)))
        .slidingWindow());
  }

  @Test
  void transformers4And5SpellingsGiveTheSameModelForEveryFamily() {
    JsonObject llama3 = edited(shared("qwen2-tiny"), o -> {
      o.addProperty("model_type", "llama");
      o.add("architectures", JsonParser.parseString("[\"LlamaForCausalLM\"]"));
      o.remove("layer_types");
      o.remove("use_sliding_window");
      o.remove("sliding_window");
      o.remove("max_window_layers");
      o.remove("dtype");
      o.addProperty("torch_dtype", "bfloat16");
      o.addProperty("rope_theta", 500000.0);
      o.add("rope_scaling", JsonParser.parseString("{\"rope_type\": \"llama3\", \"factor\": 32.0, "
          + "\"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 8192}"));
    });
    for (JsonObject v4 : new JsonObject[] {shared("qwen2-tiny"), llama3}) {
      assertEquals(parse(v4), parse(TinyModels.asTransformers5(v4)));
    }
    LlamaConfig scaled = parse(TinyModels.asTransformers5(llama3));
    assertEquals(500000.0, scaled.ropeTheta());
    assertEquals(Optional.of(new RopeScaling(32, 1, 4, 8192)), scaled.ropeScaling());
    // rope_parameters nested by layer type (5.x models with several attention kinds)
    JsonObject nested = edited(shared("mistral-tiny"), o -> o.add("rope_parameters", JsonParser.parseString(
        "{\"full_attention\": {\"rope_type\": \"default\", \"rope_theta\": 250000.0}}")));
    assertEquals(250000.0, parse(nested).ropeTheta());
    // No rope setting at all: transformers' default theta.
    assertEquals(10000.0, parse(edited(shared("qwen2-tiny"), o -> o.remove("rope_theta"))).ropeTheta());
  }

  @Test
  void llamaBiasesFollowAttentionBiasAndMlpBias() {
    JsonObject llama = edited(shared("mistral-tiny"), o -> {
      o.addProperty("model_type", "llama");
      o.add("architectures", JsonParser.parseString("[\"LlamaForCausalLM\"]"));
      o.remove("sliding_window");
    });
    assertEquals(ProjectionBiases.NONE, parse(llama).biases());
    assertEquals(new ProjectionBiases(true, true, false),
        parse(edited(llama, o -> o.addProperty("attention_bias", true))).biases());
    assertEquals(new ProjectionBiases(false, false, true),
        parse(edited(llama, o -> o.addProperty("mlp_bias", true))).biases());
  }

  @Test
  void whatMemreasonDoesNotRunIsRefusedNamingWhatItDoes() {
    assertRefused(edited(shared("qwen2-tiny"), o -> o.addProperty("model_type", "qwen2_moe")),
        "model_type 'qwen2_moe'", "llama, qwen2, mistral");
    assertRefused(edited(shared("qwen2-tiny"), o -> o.add("architectures",
        JsonParser.parseString("[\"Qwen2ForSequenceClassification\"]"))),
        "architectures entry 'Qwen2ForSequenceClassification'", "LlamaForCausalLM, Qwen2ForCausalLM, MistralForCausalLM");
    assertRefused(edited(shared("qwen2-tiny"), o -> o.add("architectures",
        JsonParser.parseString("[\"MistralForCausalLM\"]"))), "'MistralForCausalLM' does not match model_type 'qwen2'");
    assertRefused(edited(shared("qwen2-tiny"), o -> o.add("rope_scaling",
        JsonParser.parseString("{\"rope_type\": \"yarn\", \"factor\": 4.0, \"original_max_position_embeddings\": 32768}"))),
        "RoPE type 'yarn'", "'default'", "'llama3'");
    assertRefused(edited(shared("mistral-tiny"), o -> o.add("rope_parameters",
        JsonParser.parseString("{\"rope_type\": \"dynamic\", \"factor\": 2.0, \"rope_theta\": 10000.0}"))),
        "RoPE type 'dynamic'");
    assertRefused(edited(shared("mistral-tiny"), o -> o.add("quantization_config",
        JsonParser.parseString("{\"quant_method\": \"gptq\", \"bits\": 4}"))), "quantization_config");
    assertRefused(edited(shared("mistral-tiny"), o -> {
      o.remove("model_type");
      o.remove("architectures");
    }), "neither model_type nor architectures", "llama, qwen2, mistral");
  }

  @Test
  void withoutModelTypeTheArchitectureNamesTheFamily() {
    LlamaConfig c = parse(edited(shared("qwen2-tiny"), o -> o.remove("model_type")));
    assertEquals(ModelFamily.QWEN2, c.family());
  }

  @Test
  void aSlidingWindowIsRefusedOnlyWhereItWouldTakeEffect() {
    LlamaConfig c = parse(edited(shared("mistral-tiny"), o -> o.addProperty("sliding_window", 64)));
    c.requireFullAttention(64);
    CheckpointException e = assertThrows(CheckpointException.class, () -> c.requireFullAttention(65));
    assertTrue(e.getMessage().contains("window of 64 tokens"), e.getMessage());
    assertTrue(e.getMessage().contains("full attention only"), e.getMessage());
    parse(shared("mistral-tiny")).requireFullAttention(1 << 20);
  }

  @Test
  void everyFamilyWritesAConfigItReadsBack() {
    for (JsonObject o : new JsonObject[] {shared("qwen2-tiny"), shared("mistral-tiny"),
        edited(shared("mistral-tiny"), m -> m.addProperty("sliding_window", 4096))}) {
      LlamaConfig c = parse(o);
      JsonObject written = c.toJson();
      assertEquals(c, parse(written));
      assertEquals(c.family().architecture(), written.getAsJsonArray("architectures").get(0).getAsString());
      assertFalse(written.has("rope_parameters"));
    }
  }
}
