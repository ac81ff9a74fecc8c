package io.memreason.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.memreason.avro.ModelStatus;
import io.memreason.avro.ModelVersion;
import io.memreason.config.MemreasonConfig;
import io.memreason.pipeline.serde.AvroSerdes;
import io.memreason.reasoning.Reasoner;
import io.memreason.reasoning.ReasoningRequest;
import io.memreason.reasoning.TraceListener;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The follower's meters per announced version: the gates' latest decision on it, and its share of the questions. */
class PromotedVersionFollowerTest {
  private static final String TOPIC = "model-versions";
  private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);

  @TempDir
  Path registryDir;

  @Test
  void showsEachVersionsLatestStatusAndItsShareOfTheQuestions() {
    MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    consumer.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, Node.noNode(), new Node[0], new Node[0])));
    consumer.updateBeginningOffsets(Map.of(PARTITION, 0L));
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    AvroSerdes serdes = AvroSerdes.forConfig(MemreasonConfig.defaults().kafka());
    Serializer<ModelVersion> serializer = serdes.serde(ModelVersion.class).serializer();
    try (PromotedVersionFollower follower = new PromotedVersionFollower(consumer,
        serdes.serde(ModelVersion.class).deserializer(), TOPIC, new ModelRegistry(registryDir, 5, Clock.systemUTC()),
        source -> {
          throw new AssertionError("nothing to load here");
        }, meters, new CanaryRouting(0.2))) {
      List<ModelVersion> announced = List.of(announced("v1", ModelStatus.PROMOTED), announced("v2", ModelStatus.CANARY),
          announced("v2", ModelStatus.REJECTED));
      for (int offset = 0; offset < announced.size(); offset++) {
        ModelVersion v = announced.get(offset);
        consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, offset, 1000L + offset, TimestampType.CREATE_TIME, 0, 0,
            v.getVersion().getBytes(StandardCharsets.UTF_8), serializer.serialize(TOPIC, v), new RecordHeaders(),
            Optional.empty()));
      }
      consumer.updateEndOffsets(Map.of(PARTITION, (long) announced.size()));
      follower.catchUp(Duration.ofSeconds(10));

      assertEquals(1.0, status(meters, "v1", "promoted"));
      assertEquals(0.0, status(meters, "v1", "canary"));
      assertEquals(1.0, status(meters, "v2", "rejected"), "the latest decision on v2");
      assertEquals(0.0, status(meters, "v2", "canary"));
      assertEquals(0.0, share(meters, "v1"), "no reasoner to route yet");

      try (SwappableReasoner serving = new SwappableReasoner("v1", new Idle("v1"))) {
        follower.startCanaryInEffect(serving); // v2 was rejected: no canary in effect
        assertEquals(1.0, share(meters, "v1"));
        assertEquals(0.0, share(meters, "v2"));
        serving.startCanary("v2", new Idle("v2"), new CanaryRouting(0.2));
        assertEquals(0.8, share(meters, "v1"), 1e-9);
        assertEquals(0.2, share(meters, "v2"), 1e-9);
      }
    }
  }

  private static double status(SimpleMeterRegistry meters, String version, String status) {
    return meters.get("memreason.registry.version.status").tag("model_version", version).tag("status", status)
        .gauge().value();
  }

  private static double share(SimpleMeterRegistry meters, String version) {
    return meters.get("memreason.serving.share").tag("model_version", version).gauge().value();
  }

  private static ModelVersion announced(String version, ModelStatus status) {
    return ModelVersion.newBuilder().setVersion(version).setBaseModel("base").setLocation("/registry/" + version)
        .setStatus(status).setReason("the gate's reason for " + version).setCreatedAt(Instant.EPOCH).build();
  }

  /** A version that is never asked anything here. */
  private record Idle(String modelVersion) implements Reasoner {
    @Override
    public boolean submit(ReasoningRequest request, TraceListener listener, Duration timeout) {
      return false;
    }

    @Override
    public void cancel(String requestId) {}

    @Override
    public void close() {}
  }
}
