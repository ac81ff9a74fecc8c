package io.memreason.llm.tokenizer;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.memreason.llm.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Which BOS a model's tokenizer puts in front of a text, decided as transformers decides it (config.json's
 * {@code bos_token_id} does not: Qwen2 names one its tokenizer never adds): {@code tokenizer_config.json}'s
 * {@code add_bos_token} when it has one (Llama-2 and Mistral's tokenizers), else the special token that
 * {@code tokenizer.json}'s post-processor puts before the text (a {@code TemplateProcessing} such as Llama-3's
 * {@code <|begin_of_text|> $A}, alone or inside a {@code Sequence}), else none (Qwen2's byte-level processor).
 */
final class BosToken {
  static final int NONE = -1;

  private BosToken() {}

  /**
   * The id to put in front of every prompt, or {@link #NONE}.
   *
   * @param configBosId config.json's {@code bos_token_id}: the id when {@code add_bos_token} is true but names no
   *     token the vocabulary has
   */
  static int of(Path modelDir, int configBosId) {
    JsonObject tokenizer = json(modelDir.resolve("tokenizer.json"));
    Path configFile = modelDir.resolve("tokenizer_config.json");
    if (Files.isRegularFile(configFile)) {
      JsonObject config = json(configFile);
      JsonElement add = config.get("add_bos_token");
      if (add != null && add.isJsonPrimitive()) {
        return add.getAsBoolean() ? idOf(tokenizer, config.get("bos_token"), configBosId) : NONE;
      }
    }
    return postProcessorBos(tokenizer.get("post_processor"), modelDir);
  }

  private static int postProcessorBos(JsonElement processor, Path modelDir) {
    if (processor == null || !processor.isJsonObject()) {
      return NONE;
    }
    JsonObject p = processor.getAsJsonObject();
    String type = p.has("type") ? p.get("type").getAsString() : "";
    switch (type) {
      case "Sequence" -> {
        int found = NONE;
        for (JsonElement inner : p.getAsJsonArray("processors")) {
          int id = postProcessorBos(inner, modelDir);
          found = id == NONE ? found : id;
        }
        return found;
      }
      case "TemplateProcessing" -> {
        return templateBos(p, modelDir);
      }
      case "BertProcessing", "RobertaProcessing" -> {
        return p.getAsJsonArray("cls").get(1).getAsInt();
      }
      default -> {
        return NONE;
      }
    }
  }

  /** The special token before {@code $A} in the template for a single text. */
  private static int templateBos(JsonObject template, Path modelDir) {
    String token = null;
    for (JsonElement piece : template.getAsJsonArray("single")) {
      JsonObject o = piece.getAsJsonObject();
      if (o.has("Sequence")) {
        break;
      }
      if (token != null) {
        throw new CheckpointException(modelDir.resolve("tokenizer.json") + ": its post_processor puts several special "
            + "tokens before the text; memreason supports one BOS");
      }
      token = o.getAsJsonObject("SpecialToken").get("id").getAsString();
    }
    if (token == null) {
      return NONE;
    }
    JsonArray ids = template.getAsJsonObject("special_tokens").getAsJsonObject(token).getAsJsonArray("ids");
    if (ids.size() != 1) {
      throw new CheckpointException(modelDir.resolve("tokenizer.json") + ": the special token " + token
          + " before the text has " + ids.size() + " ids; memreason supports a BOS of one id");
    }
    return ids.get(0).getAsInt();
  }

  /** The id of tokenizer_config's {@code bos_token} (a string or an AddedToken object). */
  private static int idOf(JsonObject tokenizer, JsonElement bosToken, int configBosId) {
    String content = bosToken == null || bosToken.isJsonNull() ? null
        : bosToken.isJsonObject() ? bosToken.getAsJsonObject().get("content").getAsString() : bosToken.getAsString();
    if (content != null) {
      JsonElement added = tokenizer.get("added_tokens");
      if (added != null && added.isJsonArray()) {
        for (JsonElement t : added.getAsJsonArray()) {
          if (content.equals(t.getAsJsonObject().get("content").getAsString())) {
            return t.getAsJsonObject().get("id").getAsInt();
          }
        }
      }
      JsonElement model = tokenizer.get("model");
      if (model != null && model.isJsonObject() && model.getAsJsonObject().get("vocab") instanceof JsonObject vocab
          && vocab.has(content)) {
        return vocab.get(content).getAsInt();
      }
    }
    return configBosId;
  }

  private static JsonObject json(Path file) {
    try {
      return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    } catch (IOException | RuntimeException e) {
      throw new CheckpointException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
