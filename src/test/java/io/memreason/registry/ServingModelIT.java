package io.memreason.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.avro.ModelVersion;
import io.memreason.config.MemreasonConfig;
import io.memreason.kafka.EmbeddedKafka;
import io.memreason.kafka.EmbeddedKafkaExtension;
import io.memreason.kafka.TopicCreator;
import io.memreason.pipeline.PipelineFixture;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A serving process following the model-versions topic on a real broker, loading the default model. */
@ExtendWith(EmbeddedKafkaExtension.class)
class ServingModelIT {
  @TempDir
  Path dir;

  private MemreasonConfig config;
  private ModelRegistry registry;
  private final List<String> loaded = new CopyOnWriteArrayList<>();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  /** The default model behind every version (their adapter files here are placeholders); records what it loads. */
  private final VersionLoader loader = source -> {
    loaded.add(source.version());
    return PipelineFixture.defaultModelLoader().load(source);
  };

  @BeforeEach
  void topics(EmbeddedKafka kafka) {
    String unique = "serving-" + UUID.randomUUID().toString().substring(0, 8);
    config = MemreasonConfig.defaults().with(Map.of("kafka.bootstrap.servers", kafka.bootstrapServers(),
        "topics.model-versions", unique + ".model-versions", "topics.partitions", "3"));
    TopicCreator.createMissing(config);
    registry = new ModelRegistry(dir.resolve("registry"), 5, Clock.systemUTC());
  }

  private RegisteredVersion publishVersion(String weights) throws IOException {
    Path staged = registry.stage();
    Files.writeString(staged.resolve("adapter_model.safetensors"), weights);
    return registry.publish(staged, new ModelRegistry.Registration(registry.nextName(),
        registry.serving().map(RegisteredVersion::name), PipelineFixture.defaultModel().toString(), Map.of(), Map.of(),
        weights));
  }

  private ModelSource configured() {
    return new ModelSource("base", PipelineFixture.defaultModel(), Optional.empty());
  }

  @Test
  void startsOnTheVersionPromotedLastAndSwapsToEachNewlyPromotedOne() throws Exception {
    try (ModelVersionPublisher publisher = new ModelVersionPublisher(config)) {
      publisher.publish(registry.promote(publishVersion("one").name(), "first").promoted());
      ModelRegistry.Promotion second = registry.promote(publishVersion("two").name(), "better");
      publisher.publish(second.promoted());
      publisher.publish(second.retired().orElseThrow());

      try (ServingModel serving = ServingModel.start(config, registry, loader, configured(), meters)) {
        assertEquals("v2", serving.modelVersion(), "the version promoted last, not the first PROMOTED record read");

        publisher.publish(registry.promote(publishVersion("three").name(), "better still").promoted());
        // The swap is counted right after the version changes: wait for the count, then check both.
        await(() -> meters.get("memreason.model.swaps").tag("outcome", "ok").counter().count() == 1);
        assertEquals("v3", serving.modelVersion());
        assertEquals(List.of("v2", "v3"), loaded);
      }
    }
  }

  @Test
  void aPromotedVersionWhoseFilesChangedIsNotServed() throws Exception {
    try (ModelVersionPublisher publisher = new ModelVersionPublisher(config)) {
      publisher.publish(registry.promote(publishVersion("one").name(), "first").promoted());
      try (ServingModel serving = ServingModel.start(config, registry, loader, configured(), meters)) {
        RegisteredVersion v2 = registry.promote(publishVersion("two").name(), "better").promoted();
        Files.writeString(v2.folder().resolve("adapter_model.safetensors"), "tampered");
        publisher.publish(v2);

        await(() -> meters.get("memreason.model.swaps").tag("outcome", "failed").counter().count() == 1);
        assertEquals("v1", serving.modelVersion(), "the serving version stays");
        assertEquals(List.of("v1"), loaded);
      }
    }
  }

  @Test
  void servesTheConfiguredModelUntilAVersionIsPromotedAndRefusesAVersionNameThatLeavesTheRegistry()
      throws Exception {
    try (ServingModel serving = ServingModel.start(config, registry, loader, configured(), meters)) {
      assertEquals("base", serving.modelVersion());
    }
    ModelVersion escaping = ModelVersion.newBuilder().setVersion("../../etc").setBaseModel("/").setLocation("/")
        .setStatus(io.memreason.avro.ModelStatus.PROMOTED).setCreatedAt(java.time.Instant.now()).build();
    assertThrows(IllegalArgumentException.class, () -> PromotedVersionFollower.load(registry, escaping));
  }

  @Test
  void withServingShadowAloneACanaryAnswersNoUserAndShadowsItsSample() throws Exception {
    config = config.with(Map.of("serving.canary", "0", "serving.shadow", "0.5"));
    try (ModelVersionPublisher publisher = new ModelVersionPublisher(config)) {
      publisher.publish(registry.promote(publishVersion("one").name(), "first").promoted());
      publisher.publish(registry.canary(publishVersion("two").name(), "passed the offline gate"));

      try (ServingModel serving = ServingModel.start(config, registry, loader, configured(), meters)) {
        assertEquals(List.of("v1", "v2"), loaded, "the canary in effect is loaded before the first question");
        assertEquals(Optional.of("v2"), serving.versions().canaryVersion());
        ShadowSampling sampling = new ShadowSampling(0.5);
        int shadowed = 0;
        for (int i = 0; i < 100; i++) {
          String id = "q" + i;
          assertEquals("v1", serving.modelVersionFor(id), "a dark launch serves no user");
          assertEquals(sampling.sampled(id) ? Optional.of("v2") : Optional.empty(), serving.shadowVersionFor(id), id);
          shadowed += sampling.sampled(id) ? 1 : 0;
        }
        assertTrue(shadowed > 30 && shadowed < 70, shadowed + " of 100 shadowed");
      }
    }
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out");
      Thread.sleep(50);
    }
  }
}
