package io.memreason.llm.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.memreason.llm.CheckpointException;
import io.memreason.llm.model.LlamaConfig;
import io.memreason.llm.safetensors.Dtype;
import io.memreason.llm.safetensors.SafetensorsCheckpoint;
import io.memreason.llm.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PEFT LoRA adapter for a Llama model, in PEFT's folder layout ({@code adapter_config.json} +
 * {@code adapter_model.safetensors}): for any subset of the seven projections of each layer, factors A and B
 * with {@code W' = W + scaling · B·A}, where scaling is {@code lora_alpha / r}, or {@code lora_alpha / sqrt(r)}
 * with rsLoRA. The arrays belong to the manager given when reading or building.
 */
public final class LoraAdapter {
  public static final String CONFIG_FILE = "adapter_config.json";
  public static final String WEIGHTS_FILE = "adapter_model.safetensors";
  private static final Pattern TENSOR_NAME =
      Pattern.compile("base_model\\.model\\.(model\\.layers\\.(\\d+)\\.(self_attn|mlp)\\.(\\w+))\\.lora_([AB])\\.weight");

  /**
   * The adapter's hyper-parameters.
   *
   * @param dropout recorded for PEFT (training); unused at inference
   */
  public record Settings(int rank, double alpha, boolean rsLora, double dropout, TargetModules targets) {
    /** PEFT's scaling of B·A. */
    public double scaling() {
      return rsLora ? alpha / Math.sqrt(rank) : alpha / rank;
    }
  }

  private final Settings settings;
  private final List<Map<LoraTarget, LoraPair>> layers;

  /**
   * An adapter from factors (e.g. being trained).
   *
   * @param layers for each layer of the model, the targeted projections' factors (possibly none)
   */
  public LoraAdapter(Settings settings, List<Map<LoraTarget, LoraPair>> layers) {
    this.settings = settings;
    List<Map<LoraTarget, LoraPair>> copy = new ArrayList<>();
    for (Map<LoraTarget, LoraPair> layer : layers) {
      copy.add(layer.isEmpty() ? Collections.emptyMap() : Collections.unmodifiableMap(new EnumMap<>(layer)));
    }
    this.layers = Collections.unmodifiableList(copy);
  }

  public Settings settings() {
    return settings;
  }

  /** The factors of one layer's adapted projections. */
  public Map<LoraTarget, LoraPair> layer(int index) {
    return layers.get(index);
  }

  public int layerCount() {
    return layers.size();
  }

  /** Reads and validates an adapter folder against the model it adapts. */
  public static LoraAdapter read(Path dir, LlamaConfig config, NDManager manager) {
    Settings settings = readSettings(dir.resolve(CONFIG_FILE));
    Path weightsFile = dir.resolve(WEIGHTS_FILE);
    if (!Files.isRegularFile(weightsFile)) {
      throw new CheckpointException(WEIGHTS_FILE + " not found in adapter folder " + dir);
    }
    List<Map<LoraTarget, LoraPair>> layers = new ArrayList<>();
    for (int i = 0; i < config.layers(); i++) {
      layers.add(new EnumMap<>(LoraTarget.class));
    }
    try (SafetensorsCheckpoint tensors = SafetensorsCheckpoint.openFile(weightsFile)) {
      Map<String, LoraTarget> modules = new TreeMap<>();
      for (String name : tensors.names()) {
        Matcher m = TENSOR_NAME.matcher(name);
        if (!m.matches()) {
          throw new CheckpointException(weightsFile + ": tensor '" + name + "' is not a LoRA factor of a Llama "
              + "projection (q/k/v/o/gate/up/down_proj); other adapted modules are not supported");
        }
        int layer = Integer.parseInt(m.group(2));
        LoraTarget target = LoraTarget.ofModuleName(m.group(4))
            .filter(t -> t.modulePath(layer).equals(m.group(1)))
            .orElseThrow(() -> new CheckpointException(weightsFile + ": tensor '" + name
                + "' adapts an unsupported module " + m.group(1)));
        if (layer >= config.layers()) {
          throw new CheckpointException(weightsFile + ": tensor '" + name + "' names layer " + layer
              + " but the model has " + config.layers());
        }
        if (!settings.targets().matches(m.group(1))) {
          throw new CheckpointException(weightsFile + ": tensor '" + name + "' adapts " + m.group(1)
              + ", which target_modules " + settings.targets() + " does not include");
        }
        modules.put(m.group(1), target);
      }
      for (Map.Entry<String, LoraTarget> e : modules.entrySet()) {
        int layer = Integer.parseInt(e.getKey().split("\\.")[2]);
        LoraTarget t = e.getValue();
        String aName = t.tensorName(layer, true);
        String bName = t.tensorName(layer, false);
        expectShape(tensors, weightsFile, aName, settings.rank(), t.inFeatures(config));
        expectShape(tensors, weightsFile, bName, t.outFeatures(config), settings.rank());
        layers.get(layer).put(t, new LoraPair(tensors.load(aName, manager), tensors.load(bName, manager)));
      }
    }
    return new LoraAdapter(settings, layers);
  }

  private static void expectShape(SafetensorsCheckpoint tensors, Path file, String name, long rows, long cols) {
    if (!tensors.contains(name)) {
      throw new CheckpointException(file + ": tensor '" + name + "' is missing (LoRA needs both A and B)");
    }
    long[] shape = tensors.shape(name);
    if (!Arrays.equals(shape, new long[] {rows, cols})) {
      throw new CheckpointException(file + ": tensor '" + name + "' has shape " + Arrays.toString(shape)
          + ", expected [" + rows + ", " + cols + "] for this model and the adapter's r");
    }
  }

  /** Reads and validates an {@code adapter_config.json}. */
  public static Settings readSettings(Path file) {
    JsonObject o;
    try (Reader r = Files.newBufferedReader(file)) {
      JsonElement root = JsonParser.parseReader(r);
      if (!root.isJsonObject()) {
        throw new CheckpointException(file + " is not a JSON object");
      }
      o = root.getAsJsonObject();
    } catch (NoSuchFileException e) {
      throw new CheckpointException(CONFIG_FILE + " not found in adapter folder " + file.getParent());
    } catch (IOException | com.google.gson.JsonParseException e) {
      throw new CheckpointException("cannot read " + file + ": " + e.getMessage(), e);
    }
    try {
      String type = string(o, "peft_type", "LORA");
      if (!type.equals("LORA")) {
        throw new CheckpointException(file + ": peft_type " + type + " is not supported (LORA only)");
      }
      unsupportedIf(file, bool(o, "use_dora"), "use_dora (DoRA adapters)");
      unsupportedIf(file, bool(o, "fan_in_fan_out"), "fan_in_fan_out");
      unsupportedIf(file, !string(o, "bias", "none").equals("none"), "LoRA biases (bias must be \"none\")");
      unsupportedIf(file, nonEmpty(o.get("rank_pattern")) || nonEmpty(o.get("alpha_pattern")),
          "per-module rank_pattern / alpha_pattern");
      unsupportedIf(file, nonEmpty(o.get("modules_to_save")), "modules_to_save");
      // Newer PEFT versions write these too; set, each changes what the adapter computes.
      unsupportedIf(file, bool(o, "lora_bias"), "lora_bias (a bias on LoRA's B)");
      unsupportedIf(file, bool(o, "use_qalora"), "use_qalora");
      for (String key : List.of("layers_to_transform", "layer_replication", "target_parameters",
          "trainable_token_indices", "alora_invocation_tokens")) {
        unsupportedIf(file, nonEmpty(o.get(key)), key);
      }
      if (!o.has("r") || !o.has("lora_alpha")) {
        throw new CheckpointException(file + ": r and lora_alpha are required");
      }
      int rank = o.get("r").getAsInt();
      if (rank <= 0) {
        throw new CheckpointException(file + ": r must be positive, not " + rank);
      }
      double dropout = o.has("lora_dropout") && !o.get("lora_dropout").isJsonNull() ? o.get("lora_dropout").getAsDouble() : 0;
      return new Settings(rank, o.get("lora_alpha").getAsDouble(), bool(o, "use_rslora"), dropout,
          TargetModules.fromJson(o.get("target_modules")));
    } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
      throw new CheckpointException(file + ": " + e.getMessage(), e);
    }
  }

  private static boolean nonEmpty(JsonElement e) {
    if (e == null || e.isJsonNull()) {
      return false;
    }
    if (e.isJsonObject()) {
      return !e.getAsJsonObject().isEmpty();
    }
    return !e.isJsonArray() || !e.getAsJsonArray().isEmpty();
  }

  private static void unsupportedIf(Path file, boolean condition, String what) {
    if (condition) {
      throw new CheckpointException(file + ": " + what + " not supported");
    }
  }

  private static boolean bool(JsonObject o, String key) {
    return o.has(key) && !o.get(key).isJsonNull() && o.get(key).getAsBoolean();
  }

  private static String string(JsonObject o, String key, String fallback) {
    return o.has(key) && !o.get(key).isJsonNull() ? o.get(key).getAsString() : fallback;
  }

  /** Writes the adapter in PEFT's layout, loadable by PEFT's {@code PeftModel.from_pretrained} and by {@link #read}. */
  public void write(Path dir, String baseModelName) {
    JsonObject o = new JsonObject();
    o.add("alpha_pattern", new JsonObject());
    o.add("auto_mapping", JsonNull.INSTANCE);
    o.addProperty("base_model_name_or_path", baseModelName);
    o.addProperty("bias", "none");
    o.addProperty("fan_in_fan_out", false);
    o.addProperty("inference_mode", true);
    o.addProperty("init_lora_weights", true);
    o.add("layers_pattern", JsonNull.INSTANCE);
    o.add("layers_to_transform", JsonNull.INSTANCE);
    o.addProperty("lora_alpha", settings.alpha());
    o.addProperty("lora_dropout", settings.dropout());
    o.add("modules_to_save", JsonNull.INSTANCE);
    o.addProperty("peft_type", "LORA");
    o.addProperty("r", settings.rank());
    o.add("rank_pattern", new JsonObject());
    o.add("revision", JsonNull.INSTANCE);
    o.add("target_modules", settings.targets().toJson());
    o.addProperty("task_type", "CAUSAL_LM");
    o.addProperty("use_dora", false);
    o.addProperty("use_rslora", settings.rsLora());
    SafetensorsWriter writer = new SafetensorsWriter();
    for (int layer = 0; layer < layers.size(); layer++) {
      for (Map.Entry<LoraTarget, LoraPair> e : layers.get(layer).entrySet()) {
        writer.addArray(e.getKey().tensorName(layer, true), e.getValue().a(), Dtype.F32);
        writer.addArray(e.getKey().tensorName(layer, false), e.getValue().b(), Dtype.F32);
      }
    }
    try {
      Files.createDirectories(dir);
      writer.write(dir.resolve(WEIGHTS_FILE));
      Files.writeString(dir.resolve(CONFIG_FILE),
          new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(o));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write adapter to " + dir + ": " + e.getMessage(), e);
    }
  }
}
