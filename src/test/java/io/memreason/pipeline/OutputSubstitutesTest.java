package io.memreason.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.avro.Answer;
import io.memreason.avro.AnswerStatus;
import io.memreason.avro.DeadLetter;
import io.memreason.pipeline.serde.AvroSerdes;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** What the handlers send instead of a record that does not fit: smaller, and checked to fit. */
class OutputSubstitutesTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  private final AvroSerdes serdes = AvroSerdes.singleObject(List.of());

  private OutputSubstitutes substitutes(int maxRecordBytes) {
    return new OutputSubstitutes(serdes.serde(Answer.class).serializer(), serdes.serde(DeadLetter.class).serializer(),
        OutputLimits.everywhere(maxRecordBytes), "dead-letters", new PipelineMetrics(new SimpleMeterRegistry()),
        Clock.systemUTC());
  }

  @Test
  void aDeadLetterThatDoesNotFitLosesItsBytesButKeepsTheirLengthsAndDigests() {
    byte[] value = new byte[50_000];
    DeadLetter letter = new DeadLetters(1 << 20).of("questions", 1, 7, new byte[] {'k'}, value, "INVALID", "too long",
        "inference", T);
    ProducerRecord<byte[], byte[]> instead = substitutes(20_000).insteadOf(
        new ProducerRecord<>("dead-letters", "k", letter), new SerializationException("too large")).orElseThrow();
    DeadLetter stripped = serdes.serde(DeadLetter.class).deserializer().deserialize("dead-letters", instead.value());
    assertTrue(stripped.getTruncated());
    assertEquals(ByteBuffer.allocate(0), stripped.getValue());
    assertEquals(50_000, stripped.getValueLength());
    assertEquals(DeadLetters.sha256(value), stripped.getValueSha256());
    assertEquals(7L, stripped.getSourceOffset());
  }

  @Test
  void anAnswerBecomesAFailedAnswerWithoutItsTraceAndWithoutMostOfAQuestionTooLongToFit() {
    Answer answer = TraceRecords.failed(PoisonRecords.atlas("q1", "x".repeat(30_000)), "v", "e", T);
    answer.setStatus(AnswerStatus.OK);
    ProducerRecord<byte[], byte[]> instead = substitutes(2048 + 10_000).insteadOf(
        new ProducerRecord<>("answers", "q1", answer), new SerializationException("the record is 40000 bytes"))
        .orElseThrow();
    Answer failed = serdes.serde(Answer.class).deserializer().deserialize("answers", instead.value());
    assertEquals(AnswerStatus.FAILED, failed.getStatus());
    assertEquals("its answer could not be published: the record is 40000 bytes", failed.getError());
    assertTrue(failed.getQuestion().startsWith("x".repeat(200) + "... ("), failed.getQuestion().substring(0, 220));
    assertTrue(instead.value().length <= 10_000);
  }

  @Test
  void aStepIsDropped() {
    assertTrue(substitutes(1 << 20).insteadOf(new ProducerRecord<>("steps", "q1",
        TraceRecords.step("q1", ManualReasoner.step("q1", 0), "v")), new SerializationException("x")).isEmpty());
  }
}
