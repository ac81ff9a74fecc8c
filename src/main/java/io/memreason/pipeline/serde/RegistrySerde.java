package io.memreason.pipeline.serde;

import io.apicurio.registry.serde.SerdeConfig;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerdeConfig;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.apicurio.registry.serde.avro.strategy.RecordIdStrategy;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * One record type through Apicurio Registry's Avro serdes, checked to be that type on the way in: the registry
 * deserializer returns whatever record the writer wrote, and a wrong type must be a serialization error (a dead
 * letter), not a ClassCastException later.
 */
final class RegistrySerde<T extends SpecificRecord> implements Serde<T>, Serializer<T>, Deserializer<T> {
  private final Class<T> type;
  private final AvroKafkaSerializer<T> serializer = new AvroKafkaSerializer<>();
  private final AvroKafkaDeserializer<Object> deserializer = new AvroKafkaDeserializer<>();

  RegistrySerde(Class<T> type, Map<String, Object> props) {
    this.type = type;
    serializer.configure(props, false);
    deserializer.configure(props, false);
  }

  /**
   * memreason's choices: schemas registered on first use as artifact = record name in group = its namespace (one
   * artifact per record type, whatever the topic), the schema id in the value so the bytes alone can be read (dead letters keep only
   * the bytes), and the generated classes on read so older writers' records are read with the current schema.
   */
  static Map<String, Object> defaults(String url) {
    return Map.of(
        SerdeConfig.REGISTRY_URL, url,
        SerdeConfig.AUTO_REGISTER_ARTIFACT, true,
        SerdeConfig.ARTIFACT_RESOLVER_STRATEGY, RecordIdStrategy.class.getName(),
        SerdeConfig.ENABLE_HEADERS, false,
        AvroKafkaSerdeConfig.USE_SPECIFIC_AVRO_READER, true);
  }

  @Override
  public byte[] serialize(String topic, T data) {
    return serializer.serialize(topic, data);
  }

  @Override
  public byte[] serialize(String topic, Headers headers, T data) {
    return serializer.serialize(topic, headers, data);
  }

  @Override
  public T deserialize(String topic, byte[] data) {
    return checked(topic, () -> deserializer.deserialize(topic, data));
  }

  @Override
  public T deserialize(String topic, Headers headers, byte[] data) {
    return checked(topic, () -> deserializer.deserialize(topic, headers, data));
  }

  private T checked(String topic, java.util.function.Supplier<Object> read) {
    Object value;
    try {
      value = read.get();
    } catch (SerializationException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new SerializationException("cannot decode a " + type.getSimpleName() + " on topic " + topic
          + " with the schema registry: " + e.getMessage(), e);
    }
    if (value != null && !type.isInstance(value)) {
      throw new SerializationException("a " + value.getClass().getSimpleName() + " on topic " + topic + " where a "
          + type.getSimpleName() + " was expected");
    }
    return type.cast(value);
  }

  @Override
  public Serializer<T> serializer() {
    return this;
  }

  @Override
  public Deserializer<T> deserializer() {
    return this;
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    // Configured at construction from memreason's configuration.
  }

  @Override
  public void close() {
    serializer.close();
    deserializer.close();
  }
}
