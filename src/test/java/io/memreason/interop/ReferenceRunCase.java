package io.memreason.interop;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A reference-run case (../shared/reference-runs/*): a base model, a run of the reference implementation and
 * {@code expected.json}, the token ids, logits, greedy tokens and decoded texts of real PyTorch + PEFT after the
 * reference's eval.py loaded the run's checkpoint.
 */
record ReferenceRunCase(Path dir, JsonObject expected) {
  private static final Pattern CHECKPOINT = Pattern.compile("checkpoint-\\d+");

  /** One test item: the prompt and what the reference computed for it. */
  record Item(String name, String text, int[] inputIds, float[][] logits, int[] argmax, Optional<Greedy> greedy,
              Optional<String> decoded) {}

  /** The greedy continuation of a prompt: its tokens, the logits that chose each, and its decoded texts. */
  record Greedy(int[] tokens, float[][] stepLogits, String continuation, String full, boolean eos) {}

  static ReferenceRunCase read(Path dir) {
    try {
      return new ReferenceRunCase(dir, JsonParser.parseString(Files.readString(dir.resolve("expected.json")))
          .getAsJsonObject());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String name() {
    return dir.getFileName().toString();
  }

  Path base() {
    return dir.resolve(string("base", "base"));
  }

  /** The checkpoint eval.py was pointed at: {@code run/checkpoint-N}, or the run folder itself. */
  Path checkpoint() {
    return dir.resolve(string("checkpoint", "run"));
  }

  /** The {@code import-reference} arguments for it: {@code --run RUN --checkpoint checkpoint-N} or {@code --run DIR}. */
  List<String> importArguments() {
    Path checkpoint = checkpoint();
    if (CHECKPOINT.matcher(checkpoint.getFileName().toString()).matches()) {
      return List.of("--run", checkpoint.getParent().toString(), "--checkpoint", checkpoint.getFileName().toString());
    }
    return List.of("--run", checkpoint.toString());
  }

  double logitTolerance() {
    return tolerance("logits_max_abs");
  }

  double stepLogitTolerance() {
    return tolerance("step_logits_max_abs");
  }

  private double tolerance(String key) {
    JsonObject t = expected.getAsJsonObject("tolerance");
    return t != null && t.has(key) ? t.get(key).getAsDouble() : 2e-4;
  }

  List<Item> prompts() {
    List<Item> items = new ArrayList<>();
    JsonArray prompts = expected.getAsJsonArray("prompts");
    for (int i = 0; i < prompts.size(); i++) {
      JsonObject p = prompts.get(i).getAsJsonObject();
      JsonObject g = p.getAsJsonObject("greedy");
      Greedy greedy = new Greedy(ints(g.getAsJsonArray("new_tokens")), floats2(g.getAsJsonArray("step_logits")),
          g.get("decoded_continuation").getAsString(), g.get("decoded_full_as_eval_py").getAsString(),
          g.has("eos_generated") && g.get("eos_generated").getAsBoolean());
      items.add(new Item("prompt " + i, p.get("text").getAsString(), ints(p.getAsJsonArray("input_ids")),
          floats2(p.getAsJsonArray("logits")), ints(p.getAsJsonArray("argmax")), Optional.of(greedy), Optional.empty()));
    }
    return items;
  }

  /** The item in the training format (BOS + tokens(x + y) + EOS), when the case has one. */
  Optional<Item> teacherForced() {
    JsonObject t = expected.getAsJsonObject("teacher_forced");
    if (t == null) {
      return Optional.empty();
    }
    return Optional.of(new Item("teacher-forced item", t.get("text").getAsString(), ints(t.getAsJsonArray("input_ids")),
        floats2(t.getAsJsonArray("logits")), ints(t.getAsJsonArray("argmax")), Optional.empty(),
        Optional.of(t.get("decoded_as_eval_py").getAsString())));
  }

  /** The question of the teacher-forced item, from which the training text's question part is written. */
  String teacherForcedQuestion() {
    return expected.getAsJsonObject("teacher_forced").getAsJsonObject("source").get("question").getAsString();
  }

  private String string(String key, String fallback) {
    return expected.has(key) && !expected.get(key).isJsonNull() ? expected.get(key).getAsString() : fallback;
  }

  /** The step kinds a text writes, in order: the first token of each kind group after a prefix group. */
  static List<String> kindsWritten(String text) {
    Matcher m = Pattern.compile("<prefix_\\d+>(?:\\s*<prefix_\\d+>)*\\s*<(memory|rag|reason|assignment|answer)_0>")
        .matcher(text);
    List<String> kinds = new ArrayList<>();
    while (m.find()) {
      kinds.add(m.group(1).equals("rag") ? "memory" : m.group(1));
    }
    return kinds;
  }

  private static int[] ints(JsonArray a) {
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).getAsInt();
    }
    return out;
  }

  private static float[][] floats2(JsonArray a) {
    float[][] out = new float[a.size()][];
    for (int i = 0; i < out.length; i++) {
      JsonArray row = a.get(i).getAsJsonArray();
      out[i] = new float[row.size()];
      int j = 0;
      for (JsonElement e : row) {
        out[i][j++] = e.getAsFloat();
      }
    }
    return out;
  }
}
