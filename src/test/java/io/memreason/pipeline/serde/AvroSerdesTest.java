package io.memreason.pipeline.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.avro.Answer;
import io.memreason.avro.AnswerStatus;
import io.memreason.avro.DeadLetter;
import io.memreason.avro.Question;
import io.memreason.avro.Task;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
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

  /** Bytes allocated by this thread while {@code work} runs. */
  private static long allocatedBy(Runnable work) {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    work.run();
    return threads.getCurrentThreadAllocatedBytes() - before;
  }

  /** The single-object header of the current Question schema, then {@code body}. */
  private static byte[] questionHeaderThen(byte[] body) {
    byte[] header = java.nio.ByteBuffer.allocate(10).order(java.nio.ByteOrder.LITTLE_ENDIAN).put((byte) 0xC3)
        .put((byte) 0x01).putLong(org.apache.avro.SchemaNormalization.parsingFingerprint64(Question.getClassSchema()))
        .array();
    byte[] all = java.util.Arrays.copyOf(header, header.length + body.length);
    System.arraycopy(body, 0, all, header.length, body.length);
    return all;
  }

  private static byte[] zigzag(long... values) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    var e = org.apache.avro.io.EncoderFactory.get().directBinaryEncoder(out, null);
    try {
      for (long v : values) {
        e.writeLong(v);
      }
      e.flush();
    } catch (IOException ex) {
      throw new java.io.UncheckedIOException(ex);
    }
    return out.toByteArray();
  }

  @Test
  void lengthAndCountClaimsBeyondTheRecordAreRefusedWithoutAllocatingWhatTheyClaim() {
    Serde<Question> serde = AvroSerdes.singleObject(List.of()).serde(Question.class);
    // id length 8 GB; 2147483639 (the JVM's array limit); 1 GB; then id "q", text "x", task null, options 2^40.
    for (byte[] body : List.of(zigzag(8L << 30), zigzag(2147483639L), zigzag(1L << 30), zigzag(Integer.MAX_VALUE),
        java.util.Arrays.copyOf(new byte[] {2, 'q', 2, 'x', 0, 2}, 6), concat(new byte[] {2, 'q', 2, 'x', 0, 2},
            zigzag(1L << 40)), concat(new byte[] {2, 'q', 2, 'x', 0, 2}, zigzag(-(1L << 40), 3)),
        concat(new byte[] {2, 'q'}, zigzag(1L << 30)))) {
      byte[] record = questionHeaderThen(body);
      long allocated = allocatedBy(() -> assertThrows(SerializationException.class,
          () -> serde.deserializer().deserialize("questions", record)));
      assertTrue(allocated < 1 << 20, "a " + record.length + "-byte record made the decoder allocate " + allocated
          + " bytes");
    }
  }

  @Test
  void randomBodiesAfterAValidFingerprintAreOnlyEverASerializationException() {
    Serde<Question> serde = AvroSerdes.singleObject(List.of()).serde(Question.class);
    java.util.Random random = new java.util.Random(15);
    int decoded = 0;
    for (int i = 0; i < 20_000; i++) {
      byte[] body = new byte[1 + random.nextInt(48)];
      random.nextBytes(body);
      byte[] record = questionHeaderThen(body);
      try {
        serde.deserializer().deserialize("questions", record);
        decoded++;
      } catch (SerializationException expected) {
        // the only way a bad body may fail
      }
    }
    assertTrue(decoded < 200, decoded + " of 20000 random bodies decoded");
  }

  @Test
  void bytesAfterTheEndOfTheRecordAreASerializationException() {
    Serde<Question> serde = AvroSerdes.singleObject(List.of()).serde(Question.class);
    byte[] whole = serde.serializer().serialize("t", Question.newBuilder().setId("q1").setText("Why?")
        .setSubmittedAt(T0).build());
    SerializationException e = assertThrows(SerializationException.class,
        () -> serde.deserializer().deserialize("questions", concat(whole, new byte[] {0})));
    assertEquals("cannot decode a Question on topic questions: 1 bytes follow the end of the record", e.getMessage());
    assertThrows(SerializationException.class, () -> serde.deserializer().deserialize("questions", concat(whole, whole)));
  }

  @Test
  void aDeadLetterOfTheFirstSchemaVersionIsReadWithTheNewFieldsAtTheirDefaults() throws IOException {
    Schema v1 = AvroSerdes.history().get(0);
    GenericRecord old = new GenericData.Record(v1);
    old.put("sourceTopic", "memreason.questions");
    old.put("sourcePartition", 2);
    old.put("sourceOffset", 17L);
    old.put("key", java.nio.ByteBuffer.wrap(new byte[] {'k'}));
    old.put("value", java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}));
    old.put("error", "not a Question");
    old.put("errorType", "UNDECODABLE");
    old.put("processor", "inference");
    old.put("failedAt", T0.toEpochMilli());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old, out);

    DeadLetter read = AvroSerdes.forConfig(io.memreason.config.MemreasonConfig.defaults().kafka())
        .serde(DeadLetter.class).deserializer().deserialize("dead-letters", out.toByteArray());

    assertEquals(17L, read.getSourceOffset());
    assertEquals(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}), read.getValue());
    assertNull(read.getValueLength());
    assertNull(read.getValueSha256());
    assertEquals(false, read.getTruncated());
    // Both ways compatible: the new reader reads the old writer, the old reader the new writer.
    assertEquals(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE,
        SchemaCompatibility.checkReaderWriterCompatibility(DeadLetter.getClassSchema(), v1).getType());
    assertEquals(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE,
        SchemaCompatibility.checkReaderWriterCompatibility(v1, DeadLetter.getClassSchema()).getType());
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  @Test
  void nullStaysNullForTombstones() {
    Serde<Question> serde = AvroSerdes.singleObject(List.of()).serde(Question.class);
    assertNull(serde.serializer().serialize("t", null));
    assertNull(serde.deserializer().deserialize("t", null));
  }
}
