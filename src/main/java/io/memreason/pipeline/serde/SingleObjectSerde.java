package io.memreason.pipeline.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * One record type in Avro single-object encoding; thread-safe, so one instance serves all.
 *
 * <p>Reading is written out here instead of Avro's {@code BinaryMessageDecoder}, which reads the body through an
 * input stream of unknown length: a 20-byte record claiming a 1 GB string made it allocate 1 GB. Here the body is
 * decoded from the byte array itself, so Avro 1.12 checks every length and count claim against the bytes that are
 * really left before it allocates anything (an allocation is never larger than the record); bytes after the end of
 * the record are an error; and whatever goes wrong (Avro's limits, bad indexes, cut bodies) is a
 * {@link SerializationException}, never anything else.
 */
final class SingleObjectSerde<T extends SpecificRecord> implements Serde<T>, Serializer<T>, Deserializer<T> {
  private static final byte[] MARKER = {(byte) 0xC3, 0x01};
  private static final int HEADER_BYTES = MARKER.length + Long.BYTES;

  private final String typeName;
  private final SpecificData model;
  private final Schema schema;
  private final SchemaStore writerSchemas;
  private final BinaryMessageEncoder<T> encoder;
  /** A reader per writer schema, by fingerprint; Avro's datum readers may be shared between threads. */
  private final Map<Long, DatumReader<T>> readers = new ConcurrentHashMap<>();

  SingleObjectSerde(Class<T> type, Schema schema, SchemaStore writerSchemas) {
    this.model = SpecificData.getForClass(type);
    this.typeName = type.getSimpleName();
    this.schema = schema;
    this.writerSchemas = writerSchemas;
    this.encoder = new BinaryMessageEncoder<>(model, schema);
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
    if (data.length < HEADER_BYTES || data[0] != MARKER[0] || data[1] != MARKER[1]) {
      throw new SerializationException("not an Avro single-object-encoded " + typeName + " on topic " + topic + " ("
          + (data.length < HEADER_BYTES ? "only " + data.length + " bytes, fewer than the 10-byte header"
              : String.format("unrecognized header bytes: 0x%02X 0x%02X", data[0], data[1])) + ")");
    }
    long fingerprint = ByteBuffer.wrap(data, MARKER.length, Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).getLong();
    DatumReader<T> reader = reader(fingerprint);
    if (reader == null) {
      throw new SerializationException("unknown writer schema (fingerprint " + Long.toHexString(fingerprint)
          + ") for a " + typeName + " on topic " + topic + ": it was written with a schema this build does not know;"
          + " register the older schema with AvroSerdes.singleObject(...) or upgrade this reader");
    }
    try {
      BinaryDecoder body = DecoderFactory.get().binaryDecoder(data, HEADER_BYTES, data.length - HEADER_BYTES, null);
      T value = reader.read(null, body);
      if (!body.isEnd()) {
        throw new SerializationException("cannot decode a " + typeName + " on topic " + topic + ": "
            + body.remainingBytes() + " bytes follow the end of the record");
      }
      return value;
    } catch (SerializationException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      // Avro reports bad input as EOFException, AvroRuntimeException (its limits among them),
      // UnsupportedOperationException, ArrayIndexOutOfBounds, ClassCastException, NegativeArraySize, ...
      throw new SerializationException("cannot decode a " + typeName + " on topic " + topic + ": " + e, e);
    }
  }

  /** The reader of records written with the schema of that fingerprint, or null when no known schema has it. */
  private DatumReader<T> reader(long fingerprint) {
    DatumReader<T> known = readers.get(fingerprint);
    if (known != null) {
      return known;
    }
    Schema writer = writerSchemas.findByFingerprint(fingerprint);
    if (writer == null) {
      return null;
    }
    @SuppressWarnings("unchecked")
    DatumReader<T> reader = (DatumReader<T>) model.createDatumReader(writer, schema);
    return readers.computeIfAbsent(fingerprint, f -> reader);
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
