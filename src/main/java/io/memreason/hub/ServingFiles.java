package io.memreason.hub;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The files of a repository that serving needs, and nothing else: the configuration, the tokenizer files, the
 * safetensors weights (the shards an index names, or model.safetensors), a PEFT adapter's and memreason's step-token
 * files; only from the repository's top folder. Pickle files ({@code *.bin}, {@code *.pt}, {@code *.pth}) are never
 * fetched: a repository with no safetensors weights is refused.
 */
final class ServingFiles {
  static final String INDEX = "model.safetensors.index.json";
  static final String SINGLE = "model.safetensors";
  private static final Set<String> NAMED = Set.of("config.json", "generation_config.json", "tokenizer.json",
      "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json", "vocab.json", "merges.txt",
      "tokenizer.model", "chat_template.jinja", "adapter_config.json", "step_tokens.json");
  /** Weights that come with an adapter or with memreason's step tokens, beside the model's own. */
  private static final Set<String> ALONGSIDE = Set.of("adapter_model.safetensors", "step_tokens.safetensors");
  private static final Pattern SHARD = Pattern.compile("[\\w-][\\w.-]*\\.safetensors");
  private static final List<String> PICKLES = List.of(".bin", ".pt", ".pth", ".ckpt", ".pkl");

  private ServingFiles() {}

  /**
   * What to fetch of a revision's files. With a shard index the shards are not in it yet: they are what the index
   * names ({@link #shards}).
   */
  static List<String> select(HubModelId id, List<String> files) {
    List<String> top = files.stream().filter(f -> !f.contains("/")).toList();
    Set<String> chosen = new LinkedHashSet<>();
    top.stream().filter(NAMED::contains).forEach(chosen::add);
    if (top.contains(INDEX)) {
      chosen.add(INDEX);
    } else if (top.contains(SINGLE)) {
      chosen.add(SINGLE);
    } else {
      top.stream().filter(f -> SHARD.matcher(f).matches()).forEach(chosen::add);
    }
    top.stream().filter(ALONGSIDE::contains).forEach(chosen::add);
    if (!top.contains(INDEX) && top.stream().noneMatch(f -> SHARD.matcher(f).matches())) {
      throw noSafetensors(id, top);
    }
    return List.copyOf(chosen);
  }

  /** The shard files a downloaded index names, each one a file the revision has. */
  static List<String> shards(HubModelId id, Path index, List<String> files) {
    Set<String> shards = new LinkedHashSet<>();
    try {
      JsonObject map = JsonParser.parseString(Files.readString(index)).getAsJsonObject().getAsJsonObject("weight_map");
      if (map == null) {
        throw new HubException(HubException.Kind.BAD_RESPONSE, INDEX + " of " + id.repoAtRevision() + " has no weight_map");
      }
      for (var entry : map.entrySet()) {
        JsonElement file = entry.getValue();
        shards.add(file.getAsString());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + index + ": " + e.getMessage(), e);
    } catch (JsonParseException | IllegalStateException | ClassCastException | UnsupportedOperationException e) {
      throw new HubException(HubException.Kind.BAD_RESPONSE, INDEX + " of " + id.repoAtRevision()
          + " is not a shard index: " + e.getMessage());
    }
    List<String> out = new ArrayList<>();
    for (String shard : shards) {
      if (!SHARD.matcher(shard).matches() || !files.contains(shard)) {
        throw new HubException(HubException.Kind.FILE_NOT_FOUND, INDEX + " of " + id.repoAtRevision() + " names '"
            + shard + "', which is no safetensors file of that revision");
      }
      out.add(shard);
    }
    return out;
  }

  /**
   * What a cached snapshot still lacks to be served: nothing when it has its weights (with an index, every shard it
   * names), else the first missing file.
   */
  static Optional<String> lacking(HubModelId id, Path snapshot) {
    Path index = snapshot.resolve(INDEX);
    if (Files.isRegularFile(index)) {
      List<String> present = new ArrayList<>();
      try (Stream<Path> listed = Files.list(snapshot)) {
        listed.filter(Files::isRegularFile).forEach(p -> present.add(p.getFileName().toString()));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list " + snapshot + ": " + e.getMessage(), e);
      }
      try {
        shards(id, index, present);
        return Optional.empty();
      } catch (HubException e) {
        return Optional.of("a shard of " + INDEX);
      }
    }
    try (Stream<Path> listed = Files.list(snapshot)) {
      return listed.anyMatch(p -> SHARD.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p))
          ? Optional.empty() : Optional.of("safetensors weights");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + snapshot + ": " + e.getMessage(), e);
    }
  }

  private static HubException noSafetensors(HubModelId id, List<String> top) {
    List<String> pickles = top.stream()
        .filter(f -> PICKLES.stream().anyMatch(p -> f.toLowerCase(Locale.ROOT).endsWith(p))).toList();
    String detail = pickles.isEmpty()
        ? ": it has no model weights in its top folder"
        : ": it has only pickle weights (" + String.join(", ", pickles.subList(0, Math.min(3, pickles.size())))
            + (pickles.size() > 3 ? ", …" : "") + "), which memreason never downloads or runs; use a revision with "
            + "*.safetensors, or convert them (transformers: save_pretrained(dir, safe_serialization=True))";
    return new HubException(HubException.Kind.NO_SAFETENSORS, "no safetensors weights in " + id.repoAtRevision() + detail);
  }
}
