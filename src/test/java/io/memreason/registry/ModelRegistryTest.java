package io.memreason.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.avro.ModelStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRegistryTest {
  @TempDir
  Path dir;

  private final Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

  private ModelRegistry registry(int keep) {
    return new ModelRegistry(dir, keep, clock);
  }

  /** Stages an adapter-like folder and publishes it as the next version. */
  private static RegisteredVersion publish(ModelRegistry registry, String content, Map<String, Double> metrics)
      throws IOException {
    Path staged = registry.stage();
    Files.writeString(staged.resolve("adapter_model.safetensors"), content);
    Files.writeString(staged.resolve("adapter_config.json"), "{\"r\": 16}");
    VersionName name = registry.nextName();
    return registry.publish(staged, new ModelRegistry.Registration(name,
        registry.serving().map(RegisteredVersion::name), "/models/base", metrics, Map.of(0, 12L, 1, 7L),
        "test version"));
  }

  @Test
  void publishesAVersionWithAManifestOfChecksumsAsACandidate() throws IOException {
    ModelRegistry registry = registry(5);
    RegisteredVersion v1 = publish(registry, "weights one", Map.of(Manifest.EVAL_ACCURACY, 0.5));

    assertEquals(new VersionName("v1"), v1.name());
    assertEquals(dir.resolve("versions/v1"), v1.folder());
    assertEquals(ModelStatus.CANDIDATE, v1.status().status());
    Manifest m = v1.manifest();
    assertEquals(Sha256.of("weights one".getBytes(StandardCharsets.UTF_8)),
        m.files().get("adapter_model.safetensors").sha256());
    assertEquals(11, m.files().get("adapter_model.safetensors").bytes());
    assertEquals(0.5, m.metric(Manifest.EVAL_ACCURACY).orElseThrow());
    assertEquals(Map.of(0, 12L, 1, 7L), m.examplesSnapshot());
    assertEquals(Optional.empty(), m.parentVersion());
    assertEquals(Sha256.of(dir.resolve("versions/v1/manifest.json")), v1.manifestSha256());
    assertEquals(List.of(), hiddenEntries(), "the staging folder became the version");
    assertEquals(new VersionName("v2"), registry.nextName());
  }

  private List<String> hiddenEntries() throws IOException {
    try (var files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).toList();
    }
  }

  @Test
  void promotingMakesAVersionServingAndRetiresThePreviousOne() throws IOException {
    ModelRegistry registry = registry(5);
    RegisteredVersion v1 = publish(registry, "one", Map.of());
    registry.promote(v1.name(), "imported");
    RegisteredVersion v2 = publish(registry, "two", Map.of());
    assertEquals(Optional.of("v1"), v2.manifest().parentVersion(), "trained from the serving version");

    ModelRegistry.Promotion promotion = registry.promote(v2.name(), "better");

    assertEquals(ModelStatus.PROMOTED, promotion.promoted().status().status());
    assertEquals("better", promotion.promoted().status().reason());
    assertEquals(ModelStatus.RETIRED, promotion.retired().orElseThrow().status().status());
    assertEquals(new VersionName("v2"), registry.serving().orElseThrow().name());
    assertEquals(new VersionName("v2"), registry(5).serving().orElseThrow().name(), "the pointer is on disk");
  }

  @Test
  void rejectingLeavesTheServingVersionInPlace() throws IOException {
    ModelRegistry registry = registry(5);
    registry.promote(publish(registry, "one", Map.of()).name(), "imported");
    RegisteredVersion v2 = publish(registry, "two", Map.of());

    RegisteredVersion rejected = registry.reject(v2.name(), "worse");

    assertEquals(ModelStatus.REJECTED, rejected.status().status());
    assertEquals(new VersionName("v1"), registry.serving().orElseThrow().name());
    assertThrows(IllegalStateException.class, () -> registry.reject(new VersionName("v1"), "serving"));
  }

  @Test
  void verifyingNamesTheFileThatChangedSincePublishing() throws IOException {
    ModelRegistry registry = registry(5);
    RegisteredVersion v1 = publish(registry, "one", Map.of());
    registry.verify(v1, Optional.of(v1.manifestSha256()));

    IllegalStateException wrongManifest = assertThrows(IllegalStateException.class,
        () -> registry.verify(v1, Optional.of("0".repeat(64))));
    assertTrue(wrongManifest.getMessage().contains("was announced"), wrongManifest.getMessage());

    Files.writeString(v1.folder().resolve("adapter_model.safetensors"), "tampered");
    IllegalStateException tampered = assertThrows(IllegalStateException.class, () -> registry.verify(v1, Optional.empty()));
    assertTrue(tampered.getMessage().contains("adapter_model.safetensors"), tampered.getMessage());
  }

  @Test
  void keepsTheLastVersionsButNeverDeletesTheServingOne() throws IOException {
    ModelRegistry registry = registry(2);
    registry.promote(publish(registry, "one", Map.of()).name(), "imported");
    for (int i = 2; i <= 4; i++) {
      registry.reject(publish(registry, "rejected " + i, Map.of()).name(), "worse");
    }
    Path leftover = registry.stage();

    List<VersionName> deleted = registry.prune();

    assertEquals(List.of(new VersionName("v2")), deleted);
    assertEquals(List.of("v1", "v3", "v4"), registry.versions().stream().map(v -> v.name().value()).toList());
    assertFalse(Files.exists(leftover), "staging folders of interrupted jobs are removed");
    assertEquals(new VersionName("v5"), registry.nextName(), "numbers are never reused while newer ones exist");
  }

  @Test
  void publishingAnExistingVersionFails() throws IOException {
    ModelRegistry registry = registry(5);
    RegisteredVersion v1 = publish(registry, "one", Map.of());
    Path staged = registry.stage();
    assertThrows(IllegalStateException.class, () -> registry.publish(staged, new ModelRegistry.Registration(v1.name(),
        Optional.empty(), "/models/base", Map.of(), Map.of(), "again")));
    assertEquals("one", Files.readString(v1.folder().resolve("adapter_model.safetensors")));
  }

  @Test
  void versionNamesThatCouldLeaveTheRegistryAreRefused() {
    for (String bad : List.of("..", "../etc", "v1/../../x", "/abs", ".hidden", "", "a b", "v".repeat(65))) {
      assertThrows(IllegalArgumentException.class, () -> new VersionName(bad), bad);
    }
    ModelRegistry registry = registry(5);
    assertEquals(Optional.empty(), registry.version(new VersionName("v9")));
    assertEquals(new VersionName("v10").compareTo(new VersionName("v9")), 1, "numbered versions sort by number");
  }
}
