package io.memreason.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.avro.Question;
import io.memreason.pipeline.serde.AvroSerdes;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/** Every kind of bad record the poison tests know, decoded one by one: the outcome, the reason, the memory it takes. */
class QuestionDecoderTest {
  private final QuestionDecoder decoder = new QuestionDecoder(
      AvroSerdes.singleObject(List.of()).serde(Question.class).deserializer(),
      new QuestionLimits(PoisonRecords.MAX_QUESTION_CHARS, PoisonRecords.MAX_TOTAL_TOKENS));

  private static long allocatedBy(Runnable work) {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    work.run();
    return threads.getCurrentThreadAllocatedBytes() - before;
  }

  @Test
  void everyKindOfBadRecordIsRefusedAsItsKindIsWithAOneLineReasonAndNoAllocationBeyondItsSize() {
    List<PoisonRecords.PoisonRecord> kinds = PoisonRecords.kinds(15);
    assertTrue(kinds.size() >= 70, kinds.size() + " kinds");
    for (PoisonRecords.PoisonRecord r : kinds) {
      AtomicReference<QuestionDecoder.Result> result = new AtomicReference<>();
      long allocated = allocatedBy(() -> result.set(decoder.decode("questions", new RecordHeaders(), r.key(), r.value(),
          Instant.now())));
      long size = (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
      assertTrue(allocated < 8 * size + (4 << 20), r.kind() + ": decoding a " + size + "-byte record allocated "
          + allocated + " bytes");
      switch (r.outcome()) {
        case UNDECODABLE, INVALID -> {
          QuestionDecoder.Rejected rejected = assertInstanceOf(QuestionDecoder.Rejected.class, result.get(), r.kind());
          assertEquals(r.outcome().name(), rejected.errorType(), r.kind() + ": " + rejected.reason());
          assertOneBoundedLine(rejected.reason());
        }
        case REJECTED -> assertOneBoundedLine(
            assertInstanceOf(QuestionDecoder.Rejected.class, result.get(), r.kind()).reason());
        default -> assertInstanceOf(QuestionDecoder.Accepted.class, result.get(), r.kind());
      }
    }
  }

  private static void assertOneBoundedLine(String reason) {
    assertFalse(reason.isBlank());
    assertTrue(reason.codePoints().noneMatch(Character::isISOControl), reason);
    assertTrue(reason.length() <= 2 * ReasonText.MAX_CHARS + 40, reason.length() + " characters");
  }

  @Test
  void aKeyThatDiffersFromAnIdIsQuotedCutShort() {
    Question q = PoisonRecords.atlas("i".repeat(100));
    QuestionDecoder.Rejected rejected = (QuestionDecoder.Rejected) decoder.decode("questions", new RecordHeaders(),
        "k".repeat(250_000).getBytes(StandardCharsets.UTF_8), PoisonRecords.encode(q), Instant.now());
    assertEquals("the record key '" + "k".repeat(64) + "... (249936 more characters)' is not the question id '"
        + "i".repeat(64) + "... (36 more characters)': key questions by their id", rejected.reason());
  }

  @Test
  void namesWhatIsWrongWithEachKindOfInvalidQuestion() {
    Instant now = Instant.parse("2026-06-01T00:00:00Z");
    assertEquals("question 'b1': submittedAt 1000-01-01T00:00:00Z is before 1970-01-01T00:00:00Z",
        reason(at("b1", Instant.parse("1000-01-01T00:00:00Z")), now));
    assertEquals("question 'b1': submittedAt 2026-06-03T00:00:00Z is more than a day after the pipeline's clock"
        + " (2026-06-01T00:00:00Z): is the producer's clock right?", reason(at("b1", now.plusSeconds(2 * 86400)), now));
    assertEquals("question 'b1': text has 201 characters, more than pipeline.max-question-chars=200",
        reason(PoisonRecords.atlas("b1", "\uD83D\uDE00".repeat(201)), now));
    assertEquals("question 'b1': text is blank", reason(PoisonRecords.atlas("b1", "\u00A0\u2007\u202F\u200B\uFEFF"), now));
    assertEquals("question 'b1\\u000Ax': id contains the control character U+000A",
        reason(PoisonRecords.atlas("b1\nx"), now));
    assertEquals("question '\\u000A': id is blank", reason(PoisonRecords.atlas("\n"), now));
    assertEquals("question 'b1' has no record key: key questions by their id", ((QuestionDecoder.Rejected) decoder
        .decode("questions", new RecordHeaders(), null, PoisonRecords.encode(PoisonRecords.atlas("b1")), Instant.now()))
        .reason());
  }

  private static Question at(String id, Instant submittedAt) {
    Question q = PoisonRecords.atlas(id);
    q.setSubmittedAt(submittedAt);
    return q;
  }

  private String reason(Question q, Instant now) {
    return ((QuestionDecoder.Rejected) decoder.decode("questions", new RecordHeaders(),
        q.getId().getBytes(StandardCharsets.UTF_8), PoisonRecords.encode(q), now)).reason();
  }
}
