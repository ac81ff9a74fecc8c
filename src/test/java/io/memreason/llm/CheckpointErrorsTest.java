package io.memreason.llm;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.memreason.llm.LanguageModel.LoadOptions;
import io.memreason.llm.model.ModelFamily;
import io.memreason.llm.model.ProjectionBiases;
import io.memreason.llm.random.RandomCheckpoint;
import io.memreason.llm.safetensors.Dtype;
import io.memreason.llm.safetensors.SafetensorsCheckpoint;
import io.memreason.llm.safetensors.SafetensorsWriter;
import io.memreason.llm.weights.WeightLoader.LoraMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** A checkpoint memreason cannot use fails to load with a message naming the file and what is wrong. */
class CheckpointErrorsTest {
  @TempDir
  Path dir;
  Path model;

  @BeforeEach
  void writeTinyModel() {
    model = TinyModels.write(dir.resolve("model"));
  }

  private static void assertLoadFails(Path folder, LoadOptions options, String... parts) {
    CheckpointException e = assertThrows(CheckpointException.class, () -> LanguageModel.load(folder, options).close());
    for (String p : parts) {
      assertTrue(e.getMessage().contains(p), "message '" + e.getMessage() + "' lacks '" + p + "'");
    }
  }

  private void editConfig(String from, String to) throws IOException {
    Path config = model.resolve("config.json");
    String json = Files.readString(config);
    assertTrue(json.contains(from), json);
    Files.writeString(config, json.replace(from, to));
  }

  @Test
  void unsupportedRopeScalingIsRejected() throws IOException {
    editConfig("\"rope_scaling\": null", "\"rope_scaling\": {\"type\": \"yarn\", \"factor\": 4.0}");
    assertLoadFails(model, LoadOptions.cpu(32), "config.json", "RoPE type 'yarn' is not supported", "'default'",
        "'llama3'");
  }

  @Test
  void aSlidingWindowShorterThanTheSequencesIsRefusedAndALongerOneLoads() {
    Path mistral = dir.resolve("mistral");
    RandomCheckpoint.write(mistral, TinyModels.of("mistral").asFamily(ModelFamily.MISTRAL, ProjectionBiases.NONE,
        OptionalInt.of(32)), 3, Dtype.F32);
    assertLoadFails(mistral, LoadOptions.cpu(64), "sliding-window attention", "window of 32 tokens", "64 tokens",
        "full attention only");
    LanguageModel.load(mistral, LoadOptions.cpu(32)).close();
  }

  @Test
  void aBiasThatConfigJsonDoesNotDeclareIsRefused() throws IOException {
    Path qwen2 = dir.resolve("qwen2");
    RandomCheckpoint.write(qwen2, TinyModels.of("qwen2"), 3, Dtype.F32);
    String json = Files.readString(qwen2.resolve("config.json"));
    Files.writeString(qwen2.resolve("config.json"), json.replace("\"qwen2\"", "\"llama\"")
        .replace("Qwen2ForCausalLM", "LlamaForCausalLM"));
    assertLoadFails(qwen2, LoadOptions.cpu(32), "model.layers.0.self_attn.q_proj.bias", "does not declare",
        "model_type llama");
  }

  @Test
  void legacyTypeKeyIsReadForLlama3Scaling() throws IOException {
    editConfig("\"rope_scaling\": null", "\"rope_scaling\": {\"type\": \"llama3\", \"factor\": 8.0, "
        + "\"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 64}");
    try (LanguageModel lm = LanguageModel.load(model, LoadOptions.cpu(32))) {
      assertTrue(lm.config().ropeScaling().isPresent());
    }
  }

  @Test
  void missingConfigKeyIsNamed() throws IOException {
    editConfig("\"intermediate_size\": 160,", "");
    assertLoadFails(model, LoadOptions.cpu(32), "config.json", "intermediate_size");
  }

  @Test
  void tensorShapeDisagreeingWithTheConfigIsNamed() throws IOException {
    editConfig("\"intermediate_size\": 160", "\"intermediate_size\": 128");
    assertLoadFails(model, LoadOptions.cpu(32), "model.safetensors", "model.layers.0.mlp.gate_proj.weight", "[160, 64]");
  }

  @Test
  void missingOutputHeadOfAnUntiedModelIsNamed() throws IOException {
    Path untiedWithoutHead = dir.resolve("headless");
    Files.createDirectories(untiedWithoutHead);
    Files.copy(model.resolve("config.json"), untiedWithoutHead.resolve("config.json"));
    try (NDManager m = NDManager.newBaseManager()) {
      SafetensorsWriter w = new SafetensorsWriter();
      try (SafetensorsCheckpoint source = SafetensorsCheckpoint.openFolder(model)) {
        for (String name : source.names()) {
          if (!name.equals("lm_head.weight")) {
            w.addArray(name, source.load(name, m), Dtype.F32);
          }
        }
      }
      w.write(untiedWithoutHead.resolve("model.safetensors"));
    }
    assertLoadFails(untiedWithoutHead, LoadOptions.cpu(32), "'lm_head.weight' is missing", "model.safetensors");
  }

  @Test
  void missingWeightsOrFolderAreReported() throws IOException {
    Files.delete(model.resolve("model.safetensors"));
    assertLoadFails(model, LoadOptions.cpu(32), "no model.safetensors", model.toString());
    assertLoadFails(dir.resolve("nowhere"), LoadOptions.cpu(32), "does not exist");
  }

  private Path adapter(String config, Executable tensors) throws Throwable {
    Path a = dir.resolve("adapter");
    Files.createDirectories(a);
    Files.writeString(a.resolve("adapter_config.json"), config);
    tensors.execute();
    return a;
  }

  private void loraTensors(String module, int rank, int in, int out) {
    new SafetensorsWriter()
        .addFloats("base_model.model.model.layers.0." + module + ".lora_A.weight", new long[] {rank, in},
            new float[rank * in], Dtype.F32)
        .addFloats("base_model.model.model.layers.0." + module + ".lora_B.weight", new long[] {out, rank},
            new float[rank * out], Dtype.F32)
        .write(dir.resolve("adapter/adapter_model.safetensors"));
  }

  @Test
  void adapterTensorOutsideTargetModulesIsRejected() throws Throwable {
    Path a = adapter("{\"r\": 2, \"lora_alpha\": 4, \"target_modules\": [\"v_proj\"]}",
        () -> loraTensors("self_attn.q_proj", 2, 64, 64));
    assertLoadFails(model, LoadOptions.cpu(32).withAdapter(a, LoraMode.MERGED), "self_attn.q_proj",
        "target_modules [v_proj]", "adapter_model.safetensors");
  }

  @Test
  void targetModulesMayBeARegularExpression() throws Throwable {
    Path a = adapter("{\"r\": 2, \"lora_alpha\": 4, \"target_modules\": \".*\\\\.(q_proj|v_proj)\"}",
        () -> loraTensors("self_attn.q_proj", 2, 64, 64));
    LanguageModel.load(model, LoadOptions.cpu(32).withAdapter(a, LoraMode.UNMERGED)).close();
  }

  @Test
  void adapterFactorOfTheWrongRankIsRejected() throws Throwable {
    Path a = adapter("{\"r\": 4, \"lora_alpha\": 4, \"target_modules\": \"q_proj\"}",
        () -> loraTensors("self_attn.q_proj", 2, 64, 64));
    assertLoadFails(model, LoadOptions.cpu(32).withAdapter(a, LoraMode.MERGED), "lora_A.weight", "[2, 64]", "[4, 64]");
  }

  @Test
  void unsupportedAdapterKindsAreRejected() throws Throwable {
    Path dora = adapter("{\"r\": 2, \"lora_alpha\": 4, \"use_dora\": true, \"target_modules\": [\"q_proj\"]}",
        () -> loraTensors("self_attn.q_proj", 2, 64, 64));
    assertLoadFails(model, LoadOptions.cpu(32).withAdapter(dora, LoraMode.MERGED), "adapter_config.json", "use_dora");
    for (String option : new String[] {"\"lora_bias\": true", "\"layers_to_transform\": [0]",
        "\"trainable_token_indices\": [5]"}) {
      Files.writeString(dora.resolve("adapter_config.json"),
          "{\"r\": 2, \"lora_alpha\": 4, " + option + ", \"target_modules\": [\"q_proj\"]}");
      assertLoadFails(model, LoadOptions.cpu(32).withAdapter(dora, LoraMode.MERGED), "adapter_config.json",
          option.substring(1, option.indexOf('"', 1)), "not supported");
    }
    Files.writeString(dora.resolve("adapter_config.json"),
        "{\"r\": 2, \"lora_alpha\": 4, \"target_modules\": [\"lm_head\"]}");
    new SafetensorsWriter().addFloats("base_model.model.lm_head.lora_A.weight", new long[] {2, 64}, new float[128],
        Dtype.F32).write(dora.resolve("adapter_model.safetensors"));
    assertLoadFails(model, LoadOptions.cpu(32).withAdapter(dora, LoraMode.MERGED), "lm_head", "not a LoRA factor");
  }

  @Test
  void stepTokenFilesThatDisagreeAreRejected() throws IOException {
    Files.writeString(model.resolve("step_tokens.json"),
        "{\"prefix_tokens\": 1, \"tokens_per_kind\": 1, \"tokens\": [\"<prefix_0>\", \"<answer_0>\"]}");
    assertLoadFails(model, LoadOptions.cpu(32), "step_tokens.json", "P + 4S");
    Files.writeString(model.resolve("step_tokens.json"), "{\"prefix_tokens\": 0, \"tokens_per_kind\": 0, \"tokens\": []}");
    new SafetensorsWriter().addFloats("new_in", new long[] {1, 64}, new float[64], Dtype.F32)
        .addFloats("new_out.weight", new long[] {0, 64}, new float[0], Dtype.F32)
        .addFloats("new_out.bias", new long[] {0}, new float[0], Dtype.F32)
        .write(model.resolve("step_tokens.safetensors"));
    assertLoadFails(model, LoadOptions.cpu(32), "step_tokens.safetensors", "'new_in'", "[1, 64]", "[0, 64]");
  }
}
