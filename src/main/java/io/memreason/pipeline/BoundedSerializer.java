package io.memreason.pipeline;

import java.util.function.ToIntFunction;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A sink's serializer that refuses a value larger than its topic takes ({@link OutputLimits}) with an
 * {@link OutputTooLargeException}. The refusal happens before anything is sent, so the transaction stays healthy,
 * and Kafka Streams hands the refused record to the {@link ProductionFailureHandler}, which sends what fits instead.
 */
final class BoundedSerializer<T> implements Serializer<T> {
  private final Serializer<T> serializer;
  private final ToIntFunction<String> maxValueBytes;

  BoundedSerializer(Serializer<T> serializer, ToIntFunction<String> maxValueBytes) {
    this.serializer = serializer;
    this.maxValueBytes = maxValueBytes;
  }

  @Override
  public byte[] serialize(String topic, T data) {
    return checked(topic, serializer.serialize(topic, data));
  }

  @Override
  public byte[] serialize(String topic, Headers headers, T data) {
    return checked(topic, serializer.serialize(topic, headers, data));
  }

  private byte[] checked(String topic, byte[] bytes) {
    int max = maxValueBytes.applyAsInt(topic);
    if (bytes != null && bytes.length > max) {
      throw new OutputTooLargeException(topic, bytes.length, max);
    }
    return bytes;
  }

  /** A record value larger than its topic takes. */
  static final class OutputTooLargeException extends SerializationException {
    OutputTooLargeException(String topic, int bytes, int max) {
      super("the record is " + bytes + " bytes, more than the " + max + " bytes topic " + topic + " takes (the"
          + " smaller of the producer's max.request.size and the topic's max.message.bytes, less the key and framing)");
    }
  }
}
