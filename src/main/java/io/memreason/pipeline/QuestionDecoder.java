package io.memreason.pipeline;

import io.memreason.avro.Question;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Turns the raw key and value of a questions-topic record into a question the model can answer, or says in
 * one line why it cannot: undecodable bytes, another record type, a key that is not the question's id, or a
 * question that breaks one of the {@link QuestionLimits}. Never throws on bad input. The live page's follower
 * decodes questions with it too, so it shows exactly the questions the pipeline answers.
 */
public final class QuestionDecoder {
  public static final String UNDECODABLE = "UNDECODABLE";
  public static final String INVALID = "INVALID";

  /** What a raw record turned out to be. */
  public sealed interface Result permits Accepted, Rejected {}

  /** A question to answer. */
  public record Accepted(Question question) implements Result {}

  /** Not a question to answer, and why (one line, see {@link ReasonText}). */
  public record Rejected(String errorType, String reason) implements Result {
    public Rejected {
      reason = ReasonText.of(reason);
    }
  }

  private final Deserializer<Question> deserializer;
  private final QuestionLimits limits;

  public QuestionDecoder(Deserializer<Question> deserializer, QuestionLimits limits) {
    this.deserializer = deserializer;
    this.limits = limits;
  }

  /**
   * Headers matter to wire formats that carry the schema id there (a registry configured so).
   *
   * @param now the clock submission times are checked against
   */
  public Result decode(String topic, Headers headers, byte[] key, byte[] value, Instant now) {
    if (value == null) {
      return new Rejected(INVALID, "the record has no value (a tombstone) where a Question was expected");
    }
    Question q;
    try {
      q = deserializer.deserialize(topic, headers, value);
    } catch (RuntimeException e) {
      // Any serde, the registry's included, may fail on hostile bytes with more than SerializationException.
      return new Rejected(UNDECODABLE, e.getMessage() == null ? e.toString() : e.getMessage());
    }
    if (q == null) {
      return new Rejected(UNDECODABLE, "the value decodes to no Question");
    }
    String id = ReasonText.quote(q.getId());
    Optional<String> problem = limits.problem(q, now);
    if (problem.isPresent()) {
      return new Rejected(INVALID, "question " + id + ": " + problem.get());
    }
    if (key == null) {
      return new Rejected(INVALID, "question " + id + " has no record key: key questions by their id");
    }
    if (!Arrays.equals(key, q.getId().getBytes(StandardCharsets.UTF_8))) {
      return new Rejected(INVALID, "the record key " + ReasonText.quote(new String(key, StandardCharsets.UTF_8))
          + " is not the question id " + id + ": key questions by their id");
    }
    return new Accepted(q);
  }
}
