package io.memreason.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.avro.Question;
import io.memreason.avro.Task;
import io.memreason.config.MemreasonConfig;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class QuestionRequestTest {
  private final MemreasonConfig config = MemreasonConfig.defaults().with(Map.of("pipeline.max-question-chars", "50",
      "engine.max-total-tokens", "1024"));

  @Test
  void aFullRequestBecomesTheQuestionRecord() {
    QuestionRequest r = QuestionRequest.parse("""
        {"text": "  Which is a fruit? ", "task": "commonsenseqa", "options": ["apple", "chair"],
         "decoding": {"temperature": 0.7, "topP": 0.9, "topK": 40, "maxNewTokens": 128, "seed": 42}}""", config);
    Question q = r.toQuestion("id-1", Instant.EPOCH);
    assertEquals("id-1", q.getId());
    assertEquals("Which is a fruit?", q.getText());
    assertEquals(Task.COMMONSENSEQA, q.getTask());
    assertEquals(List.of("apple", "chair"), q.getOptions());
    assertEquals(0.7f, q.getDecoding().getTemperature());
    assertEquals(0.9f, q.getDecoding().getTopP());
    assertEquals(40, q.getDecoding().getTopK());
    assertEquals(128, q.getDecoding().getMaxNewTokens());
    assertEquals(42L, q.getDecoding().getSeed());
  }

  @Test
  void onlyTheTextIsRequired() {
    Question q = QuestionRequest.parse("{\"text\": \"Why?\", \"task\": null}", config).toQuestion("id", Instant.EPOCH);
    assertEquals(Task.OPEN, q.getTask());
    assertNull(q.getOptions());
    assertNull(q.getDecoding());
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(delimiter = '|', value = {
      "{\"text\":                                          | the body is not valid JSON",
      "''                                                   | the body must be a JSON object",
      "[1, 2]                                               | the body must be a JSON object",
      "{}                                                   | text is required",
      "{\"text\": \"   \"}                                  | text is required",
      "{\"text\": 42}                                       | text must be a string, not 42",
      "{\"txt\": \"Why?\"}                                  | unknown field 'txt': allowed are [decoding, givenSteps, options, task, text]",
      "{\"text\": \"Why?\", \"task\": \"poetry\"}           | task must be one of [OPEN, STRATEGYQA",
      "{\"text\": \"Why?\", \"options\": \"a or b\"}        | options must be a JSON array",
      "{\"text\": \"Why?\", \"options\": [\"a\", \" \"]}    | options[1] is blank",
      "{\"text\": \"Why?\", \"task\": \"COMMONSENSEQA\", \"options\": [\"a\",\"b\",\"c\",\"d\",\"e\",\"f\"]} | options: commonsenseqa questions take at most 5 options, got 6",
      "{\"text\": \"Why?\", \"decoding\": {\"topP\": 0}}    | decoding.topP must be above 0 and at most 1 (1 keeps every token), not 0",
      "{\"text\": \"Why?\", \"decoding\": {\"topP\": 1.5}}  | decoding.topP must be above 0 and at most 1 (1 keeps every token), not 1.5",
      "{\"text\": \"Why?\", \"decoding\": {\"maxNewTokens\": 5000}} | decoding.maxNewTokens must be between 1 and 1024 (engine.max-total-tokens), not 5000",
      "{\"text\": \"Why?\", \"decoding\": {\"temperature\": 1e9}} | decoding.temperature must be between 0 and 10, not 1000000000",
      "{\"text\": \"Why?\", \"decoding\": {\"temperature\": 1e39}} | decoding.temperature must be between 0 and 10, not infinity",
      "{\"text\": \"Why?\", \"decoding\": {\"maxNewTokens\": 2147483648}} | decoding.maxNewTokens must be between -2147483648 and 2147483647",
      "{\"text\": \"\u00a0\u200b\"}                         | text is blank",
      "{\"text\": \"Which?\", \"task\": \"COMMONSENSEQA\", \"options\": [\"aaaaaaaaaaaaaaaaaaaa\", \"bbbbbbbbbbbbbbbbbbbb\"]} | the question with its options has 62 characters, more than pipeline.max-question-chars=50",
      "{\"text\": \"Why?\", \"decoding\": {\"topK\": 2.5}}  | decoding.topK must be a whole number, not 2.5",
      "{\"text\": \"Why?\", \"decoding\": {\"beam\": 4}}    | unknown field 'decoding.beam'",
  })
  void refusesWithAMessageNamingTheField(String body, String message) {
    ApiException e = assertThrows(ApiException.class, () -> QuestionRequest.parse(body, config));
    assertEquals(400, e.status().getCode());
    assertTrue(e.getMessage().startsWith(message), e.getMessage());
  }

  @Test
  void refusesAQuestionLongerThanThePipelineTakes() {
    ApiException e = assertThrows(ApiException.class,
        () -> QuestionRequest.parse("{\"text\": \"" + "x".repeat(51) + "\"}", config));
    assertEquals("text has 51 characters, more than pipeline.max-question-chars=50", e.getMessage());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "\"temperature\": 1e9         | 1e9",
      "\"temperature\": -1          | -1",
      "\"topP\": 0                  | 0",
      "\"topP\": 1.5                | 1.5",
      "\"topK\": -1                 | -1",
      "\"topK\": 2147483647         | 2147483647",
      "\"maxNewTokens\": 2147483647 | 2147483647",
      "\"maxNewTokens\": 0          | 0",
  })
  void refusesDecodingSettingsExactlyAsTheQuestionsTopicDoes(String json, String value) {
    String field = json.substring(1, json.indexOf('"', 1));
    ApiException http = assertThrows(ApiException.class,
        () -> QuestionRequest.parse("{\"text\": \"Why?\", \"decoding\": {" + json + "}}", config));
    io.memreason.avro.Decoding.Builder d = io.memreason.avro.Decoding.newBuilder().setTemperature(null).setTopP(null)
        .setTopK(null).setMaxNewTokens(null).setSeed(null);
    switch (field) {
      case "temperature" -> d.setTemperature(Float.parseFloat(value));
      case "topP" -> d.setTopP(Float.parseFloat(value));
      case "topK" -> d.setTopK(Integer.parseInt(value));
      default -> d.setMaxNewTokens(Integer.parseInt(value));
    }
    Question q = Question.newBuilder().setId("q1").setText("Why?").setDecoding(d.build()).setSubmittedAt(Instant.now())
        .build();
    var decoded = new io.memreason.pipeline.QuestionDecoder(
        io.memreason.pipeline.serde.AvroSerdes.singleObject(List.of()).serde(Question.class).deserializer(),
        io.memreason.pipeline.QuestionLimits.of(config)).decode("questions", null, "q1".getBytes(),
        io.memreason.pipeline.serde.AvroSerdes.singleObject(List.of()).serde(Question.class).serializer()
            .serialize("questions", q), Instant.now());
    var rejected = (io.memreason.pipeline.QuestionDecoder.Rejected) decoded;
    assertEquals("INVALID", rejected.errorType());
    assertEquals("question 'q1': " + http.getMessage(), rejected.reason());
  }

  @Test
  void countsCharactersAsCodePoints() {
    String emoji = "\uD83D\uDE00";
    QuestionRequest.parse("{\"text\": \"" + emoji.repeat(50) + "\"}", config);
    ApiException e = assertThrows(ApiException.class,
        () -> QuestionRequest.parse("{\"text\": \"" + emoji.repeat(51) + "\"}", config));
    assertEquals("text has 51 characters, more than pipeline.max-question-chars=50", e.getMessage());
  }
}
