package io.memreason.registry;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a registered version is ({@value #FILE} in its folder): its files with their SHA-256 checksums, where it came
 * from and how it scored. Written once when the version is published and never changed; its own checksum travels on
 * the model-versions topic, so a process that loads the folder can tell it is the one that was announced.
 *
 * @param parent the version it was trained from; null for an imported model
 * @param baseModel the base model folder the version's adapter applies to
 * @param files every file of the version but the manifest and its status, by name
 * @param metrics evaluation figures, e.g. {@value #EVAL_ACCURACY}
 * @param examplesSnapshot per partition of the training-examples topic, the offset up to which labelled traces were
 *     read for this version (the retrain trigger counts new traces from here)
 */
public record Manifest(String version, String parent, String baseModel, String createdAt,
                       SortedMap<String, FileDigest> files, SortedMap<String, Double> metrics,
                       SortedMap<Integer, Long> examplesSnapshot, String description) {
  public static final String FILE = "manifest.json";
  /** Accuracy on the fixed evaluation set. */
  public static final String EVAL_ACCURACY = "eval.accuracy";

  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping()
      .serializeSpecialFloatingPointValues().create();

  /** One file of a version. */
  public record FileDigest(String sha256, long bytes) {}

  public Manifest {
    new VersionName(version);
    files = new TreeMap<>(files == null ? Map.of() : files);
    metrics = new TreeMap<>(metrics == null ? Map.of() : metrics);
    examplesSnapshot = new TreeMap<>(examplesSnapshot == null ? Map.of() : examplesSnapshot);
    description = description == null ? "" : description;
  }

  public Optional<String> parentVersion() {
    return Optional.ofNullable(parent);
  }

  public Instant created() {
    return Instant.parse(createdAt);
  }

  public OptionalDouble metric(String name) {
    Double v = metrics.get(name);
    return v == null ? OptionalDouble.empty() : OptionalDouble.of(v);
  }

  byte[] toJson() {
    return GSON.toJson(this).getBytes(StandardCharsets.UTF_8);
  }

  static Manifest read(Path file) {
    try {
      Manifest m = GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), Manifest.class);
      if (m == null) {
        throw new IllegalStateException(file + " is empty");
      }
      return m;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the manifest " + file + ": " + e.getMessage(), e);
    } catch (JsonParseException | IllegalArgumentException e) {
      throw new IllegalStateException(file + " is not a model version manifest: " + e.getMessage(), e);
    }
  }
}
