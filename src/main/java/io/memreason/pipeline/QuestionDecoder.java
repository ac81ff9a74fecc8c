package io.memreason.pipeline;

import io.memreason.avro.Question;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Turns the raw key and value of a questions-topic record into a question the model can answer, or says in
 * one line why it cannot: undecodable bytes, another record type, an empty or over-long question, a key
 * that is not the question's id.
 */
final class QuestionDecoder {
  static final String UNDECODABLE = "UNDECODABLE";
  static final String INVALID = "INVALID";

  /** What a raw record turned out to be. */
  sealed interface Result permits Accepted, Rejected {}

  /** A question to answer. */
  record Accepted(Question question) implements Result {}

  /** Not a question to answer, and why. */
  record Rejected(String errorType, String reason) implements Result {}

  private final Deserializer<Question> deserializer;
  private final int maxQuestionChars;

  QuestionDecoder(Deserializer<Question> deserializer, int maxQuestionChars) {
    this.deserializer = deserializer;
    this.maxQuestionChars = maxQuestionChars;
  }

  /** Headers matter to wire formats that carry the schema id there (a registry configured so). */
  Result decode(String topic, Headers headers, byte[] key, byte[] value) {
    if (value == null) {
      return new Rejected(INVALID, "the record has no value (a tombstone) where a Question was expected");
    }
    Question q;
    try {
      q = deserializer.deserialize(topic, headers, value);
    } catch (SerializationException e) {
      return new Rejected(UNDECODABLE, e.getMessage());
    }
    if (q.getId().isBlank()) {
      return new Rejected(INVALID, "the question has an empty id");
    }
    if (key != null && !new String(key, StandardCharsets.UTF_8).equals(q.getId())) {
      return new Rejected(INVALID, "the record key '" + new String(key, StandardCharsets.UTF_8)
          + "' is not the question id '" + q.getId() + "': key questions by their id");
    }
    if (q.getText().isBlank()) {
      return new Rejected(INVALID, "question " + q.getId() + " has no text");
    }
    if (q.getText().length() > maxQuestionChars) {
      return new Rejected(INVALID, "question " + q.getId() + " has " + q.getText().length()
          + " characters, more than pipeline.max-question-chars=" + maxQuestionChars);
    }
    return new Accepted(q);
  }
}
