package io.memreason.pipeline.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** One record type in Avro single-object encoding; encoder and decoder are thread-safe, so one instance serves all. */
final class SingleObjectSerde<T extends SpecificRecord> implements Serde<T>, Serializer<T>, Deserializer<T> {
  private final String typeName;
  private final BinaryMessageEncoder<T> encoder;
  private final BinaryMessageDecoder<T> decoder;

  SingleObjectSerde(Class<T> type, Schema schema, SchemaStore writerSchemas) {
    SpecificData model = SpecificData.getForClass(type);
    this.typeName = type.getSimpleName();
    this.encoder = new BinaryMessageEncoder<>(model, schema);
    this.decoder = new BinaryMessageDecoder<>(model, schema, writerSchemas);
  }

  @Override
  public byte[] serialize(String topic, T data) {
    if (data == null) {
      return null;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try {
      encoder.encode(data, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (AvroRuntimeException e) {
      throw new SerializationException("cannot encode a " + typeName + " for topic " + topic + ": " + e.getMessage(), e);
    }
    return out.toByteArray();
  }

  @Override
  public T deserialize(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    try {
      return decoder.decode(data);
    } catch (MissingSchemaException e) {
      throw new SerializationException("unknown writer schema (fingerprint " + fingerprint(data) + ") for a "
          + typeName + " on topic " + topic + ": it was written with a schema this build does not know;"
          + " register the older schema with AvroSerdes.singleObject(...) or upgrade this reader", e);
    } catch (BadHeaderException e) {
      throw new SerializationException("not an Avro single-object-encoded " + typeName + " on topic " + topic
          + " (" + e.getMessage() + ")", e);
    } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException e) {
      throw new SerializationException("cannot decode a " + typeName + " on topic " + topic + ": " + e.getMessage(), e);
    }
  }

  /** The writer-schema fingerprint in the header (bytes 2-9, little-endian), for error messages. */
  private static String fingerprint(byte[] data) {
    return data.length < 10 ? "?" : Long.toHexString(ByteBuffer.wrap(data, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong());
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
    // Configured at construction: the schema store is shared by every serde of one AvroSerdes.
  }

  @Override
  public void close() {
    // Stateless: nothing to release, and the instance may be shared by several clients.
  }
}
