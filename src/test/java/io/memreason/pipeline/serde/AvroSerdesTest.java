package io.memreason.pipeline.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.avro.Answer;
import io.memreason.avro.AnswerStatus;
import io.memreason.avro.Question;
import io.memreason.avro.Task;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class AvroSerdesTest {
  /** The Question of a first release: no task, options or decoding yet. */
  private static final Schema QUESTION_V1 = new Schema.Parser().parse("""
      {"type": "record", "name": "Question", "namespace": "io.memreason.avro", "fields": [
        {"name": "id", "type": "string"},
        {"name": "text", "type": "string"},
        {"name": "submittedAt", "type": {"type": "long", "logicalType": "timestamp-millis"}}]}""");

  private static final Instant T0 = Instant.ofEpochMilli(1_700_000_000_000L);

  @Test
  void roundTripsARecordInSingleObjectEncoding() {
    Serde<Question> serde = AvroSerdes.singleObject(List.of()).serde(Question.class);
    Question q = Question.newBuilder().setId("q1").setText("Is the sky blue?").setTask(Task.STRATEGYQA)
        .setOptions(List.of("yes", "no")).setSubmittedAt(T0).build();
    byte[] bytes = serde.serializer().serialize("t", q);
    assertArrayEquals(new byte[] {(byte) 0xC3, 0x01}, new byte[] {bytes[0], bytes[1]}, "single-object marker");
    assertEquals(q, serde.deserializer().deserialize("t", bytes));
  }

  @Test
  void readsARecordWrittenWithAnOlderSchemaFillingNewFieldsWithTheirDefaults() throws IOException {
    GenericRecord old = new GenericData.Record(QUESTION_V1);
    old.put("id", "q-old");
    old.put("text", "Written by an old producer?");
    old.put("submittedAt", T0.toEpochMilli());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new BinaryMessageEncoder<GenericRecord>(GenericData.get(), QUESTION_V1).encode(old, out);

    Question read = AvroSerdes.singleObject(List.of(QUESTION_V1)).serde(Question.class)
        .deserializer().deserialize("questions", out.toByteArray());

    assertEquals("q-old", read.getId());
    assertEquals("Written by an old producer?", read.getText());
    assertEquals(T0, read.getSubmittedAt());
    assertNull(read.getTask());
    assertNull(read.getOptions());
    assertNull(read.getDecoding());
  }

  @Test
  void anUnknownWriterSchemaIsASerializationExceptionNamingTheFingerprint() throws IOException {
    GenericRecord old = new GenericData.Record(QUESTION_V1);
    old.put("id", "q");
    old.put("text", "x");
    old.put("submittedAt", 0L);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new BinaryMessageEncoder<GenericRecord>(GenericData.get(), QUESTION_V1).encode(old, out);
    Serde<Question> withoutHistory = AvroSerdes.singleObject(List.of()).serde(Question.class);

    SerializationException e = assertThrows(SerializationException.class,
        () -> withoutHistory.deserializer().deserialize("questions", out.toByteArray()));
    assertTrue(e.getMessage().startsWith("unknown writer schema (fingerprint "), e.getMessage());
  }

  @Test
  void bytesThatAreNotSingleObjectEncodedAreASerializationException() {
    Serde<Question> serde = AvroSerdes.singleObject(List.of()).serde(Question.class);
    SerializationException e = assertThrows(SerializationException.class,
        () -> serde.deserializer().deserialize("questions", "plain text".getBytes()));
    assertTrue(e.getMessage().startsWith("not an Avro single-object-encoded Question"), e.getMessage());
  }

  @Test
  void aRecordOfAnotherTypeIsASerializationExceptionNotAWrongObject() {
    AvroSerdes serdes = AvroSerdes.singleObject(List.of());
    Answer answer = Answer.newBuilder().setQuestionId("q").setQuestion("x").setTask(Task.OPEN).setAnswerText("")
        .setSteps(List.of()).setModelVersion("v").setStatus(AnswerStatus.OK).setPromptTokens(1)
        .setGeneratedTokens(1).setSubmittedAt(T0).setAnsweredAt(T0).setLatencyMs(0).build();
    byte[] bytes = serdes.serde(Answer.class).serializer().serialize("answers", answer);

    SerializationException e = assertThrows(SerializationException.class,
        () -> serdes.serde(Question.class).deserializer().deserialize("questions", bytes));
    assertTrue(e.getMessage().startsWith("cannot decode a Question"), e.getMessage());
  }

  @Test
  void nullStaysNullForTombstones() {
    Serde<Question> serde = AvroSerdes.singleObject(List.of()).serde(Question.class);
    assertNull(serde.serializer().serialize("t", null));
    assertNull(serde.deserializer().deserialize("t", null));
  }
}
