package io.memreason.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.memreason.avro.Answer;
import io.memreason.avro.Feedback;
import io.memreason.avro.GivenStep;
import io.memreason.avro.Question;
import io.memreason.avro.ReasoningStep;
import io.memreason.avro.RevisedStep;
import io.memreason.avro.StepKind;
import io.memreason.avro.StepVerdict;
import io.memreason.avro.Task;
import io.memreason.avro.Verdict;
import io.memreason.pipeline.serde.AvroSerdes;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The page's JSON API over HTTP, on a monitor fed by hand, producing into a mock producer. */
class MonitorApiTest {
  private final MonitorFixture fixture = new MonitorFixture();
  private final HttpClient http = HttpClient.newHttpClient();
  private final AvroSerdes serdes = AvroSerdes.forConfig(fixture.config.kafka());
  private WebServer server;

  @BeforeEach
  void start() {
    server = WebServer.start(fixture.config.web(),
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), () -> Health.of(KafkaStreams.State.RUNNING),
        fixture.monitor);
  }

  @AfterEach
  void stop() {
    server.close();
    fixture.monitor.close();
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  private HttpResponse<String> post(String path, String contentType, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(path)).header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> postJson(String path, String body) throws Exception {
    return post(path, "application/json", body);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonObject json(HttpResponse<String> r) {
    return JsonParser.parseString(r.body()).getAsJsonObject();
  }

  @Test
  void asksAQuestionByProducingItKeyedByItsNewId() throws Exception {
    HttpResponse<String> r = postJson("/api/questions",
        "{\"text\": \"Is a tomato a fruit?\", \"task\": \"STRATEGYQA\", \"decoding\": {\"temperature\": 0}}");
    assertEquals(202, r.statusCode(), r.body());
    String id = json(r).get("id").getAsString();

    ProducerRecord<byte[], byte[]> sent = fixture.producer.history().get(0);
    assertEquals(fixture.config.topics().questions(), sent.topic());
    assertEquals(id, new String(sent.key(), StandardCharsets.UTF_8));
    Question q = serdes.serde(Question.class).deserializer().deserialize(sent.topic(), sent.value());
    assertEquals(id, q.getId());
    assertEquals("Is a tomato a fruit?", q.getText());
    assertEquals(Task.STRATEGYQA, q.getTask());
    assertEquals(0f, q.getDecoding().getTemperature());
  }

  @Test
  void refusesAnInvalidQuestionWithAJsonError() throws Exception {
    HttpResponse<String> r = postJson("/api/questions", "{\"text\": \"Why?\", \"task\": \"poetry\"}");
    assertEquals(400, r.statusCode());
    assertTrue(json(r).get("error").getAsString().startsWith("task must be one of"), r.body());
    assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"));
    assertEquals(List.of(), fixture.producer.history(), "nothing is produced");
  }

  @Test
  void refusesABodyThatIsNotSentAsJson() throws Exception {
    HttpResponse<String> r = post("/api/questions", "text/plain", "{\"text\": \"Why?\"}");
    assertEquals(415, r.statusCode());
    assertEquals("send the body as JSON with Content-Type: application/json", json(r).get("error").getAsString());
  }

  @Test
  void refusesAnOversizedBody() throws Exception {
    HttpResponse<String> r = postJson("/api/questions", "{\"text\": \"" + "x".repeat(70_000) + "\"}");
    assertEquals(413, r.statusCode());
    assertEquals("the body is larger than 65536 bytes (web.max-body-bytes)", json(r).get("error").getAsString());
  }

  @Test
  void returnsTheAnsweredTraceAtOnce() throws Exception {
    fixture.answered("q1", "Is Paris French?");
    HttpResponse<String> r = get("/api/answers/q1?timeoutMs=0");
    assertEquals(200, r.statusCode(), r.body());
    JsonObject trace = json(r);
    assertEquals("OK", trace.get("status").getAsString());
    assertEquals("The answer is: True", trace.getAsJsonObject("answer").get("text").getAsString());
    assertEquals("MEMORY", trace.getAsJsonArray("steps").get(0).getAsJsonObject().get("kind").getAsString());
    assertEquals("REASON", trace.getAsJsonArray("steps").get(1).getAsJsonObject().get("kind").getAsString());
  }

  @Test
  void waitsForAnAnswerThatArrivesWhileTheRequestWaits() throws Exception {
    fixture.live.onQuestion(MonitorFixture.question("q1", "Is Paris French?"));
    var pending = http.sendAsync(HttpRequest.newBuilder(uri("/api/answers/q1?timeoutMs=60000")).build(),
        HttpResponse.BodyHandlers.ofString());
    fixture.answered("q1", "Is Paris French?");
    HttpResponse<String> r = pending.get();
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("OK", json(r).get("status").getAsString());
  }

  @Test
  void saysWhenAKnownQuestionIsNotAnsweredInTimeOrTheQuestionIsUnknown() throws Exception {
    fixture.live.onQuestion(MonitorFixture.question("q1", "Is Paris French?"));
    HttpResponse<String> pending = get("/api/answers/q1?timeoutMs=50");
    assertEquals(408, pending.statusCode());
    assertTrue(json(pending).get("error").getAsString().startsWith("question q1 is not answered after 50 ms"));

    HttpResponse<String> unknown = get("/api/answers/nobody?timeoutMs=50");
    assertEquals(404, unknown.statusCode());
    assertTrue(json(unknown).get("error").getAsString().startsWith("no question nobody among the last 10 questions"));

    assertEquals(400, get("/api/answers/q1?timeoutMs=soon").statusCode());
    assertEquals(400, get("/api/answers/q1?timeoutMs=600001").statusCode());
  }

  @Test
  void labelsAnAnswerByProducingFeedbackKeyedByQuestionId() throws Exception {
    fixture.answered("q1", "Is Paris French?");
    HttpResponse<String> r = postJson("/api/feedback", "{\"questionId\": \"q1\", \"verdict\": \"INCORRECT\","
        + " \"correctedAnswer\": \"False\", \"stepVerdicts\": [{\"index\": 1, \"correct\": false}], \"labeller\": \"ana\"}");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("INCORRECT", json(r).get("verdict").getAsString());
    assertEquals(1, json(r).get("stepVerdicts").getAsInt());

    ProducerRecord<byte[], byte[]> sent = fixture.producer.history().get(0);
    assertEquals(fixture.config.topics().feedback(), sent.topic());
    assertEquals("q1", new String(sent.key(), StandardCharsets.UTF_8));
    Feedback f = serdes.serde(Feedback.class).deserializer().deserialize(sent.topic(), sent.value());
    assertEquals(Verdict.INCORRECT, f.getVerdict());
    assertEquals("False", f.getCorrectedAnswer());
    assertEquals(List.of(new StepVerdict(1, false, null)), f.getStepVerdicts());
    assertEquals("ana", f.getLabeller());
  }

  /** The candidate v2's shadow answer to q1: three steps, answer False. */
  private void shadowAnswered(String id) {
    List<ReasoningStep> steps = List.of(MonitorFixture.step(id, 0, StepKind.MEMORY, "recalled otherwise"),
        MonitorFixture.step(id, 1, StepKind.REASON, "so not"), MonitorFixture.step(id, 2, StepKind.REASON, "thus"));
    steps.forEach(st -> st.setModelVersion("v2"));
    Answer shadow = MonitorFixture.answer(id, "Is Paris French?", steps, 300);
    shadow.setModelVersion("v2");
    shadow.setAnswerText("The answer is: False");
    shadow.setLabel("False");
    shadow.setShadow(true);
    fixture.live.onShadowAnswer(shadow);
  }

  @Test
  void aShadowAnswerIsShownBesideTheServedOneAndLabelledAsTheShadowsOwn() throws Exception {
    fixture.answered("q1", "Is Paris French?");
    shadowAnswered("q1");
    JsonObject trace = json(get("/api/answers/q1?timeoutMs=0"));
    assertEquals("The answer is: True", trace.getAsJsonObject("answer").get("text").getAsString(),
        "the served answer is unchanged");
    assertEquals(MonitorFixture.VERSION, trace.get("modelVersion").getAsString());
    assertEquals(2, trace.getAsJsonArray("steps").size());
    JsonObject shadow = trace.getAsJsonObject("shadow");
    assertEquals("v2", shadow.get("modelVersion").getAsString());
    assertEquals("The answer is: False", shadow.getAsJsonObject("answer").get("text").getAsString());
    assertEquals(3, shadow.getAsJsonArray("steps").size());

    HttpResponse<String> r = postJson("/api/feedback", "{\"questionId\": \"q1\", \"verdict\": \"INCORRECT\","
        + " \"correctedAnswer\": \"True\", \"stepVerdicts\": [{\"index\": 2, \"correct\": false}], \"shadow\": true}");
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(json(r).get("shadow").getAsBoolean());
    Feedback f = serdes.serde(Feedback.class).deserializer().deserialize(fixture.config.topics().feedback(),
        fixture.producer.history().get(0).value());
    assertEquals("q1", new String(fixture.producer.history().get(0).key(), StandardCharsets.UTF_8));
    assertTrue(f.getShadow());
    assertEquals(List.of(new StepVerdict(2, false, null)), f.getStepVerdicts(), "step 2 is in the shadow's trace only");

    fixture.live.onFeedback(f);
    JsonObject labelled = json(get("/api/answers/q1?timeoutMs=0"));
    assertTrue(labelled.get("label") == null, "the served answer stays unlabelled: " + labelled);
    assertEquals("INCORRECT", labelled.getAsJsonObject("shadow").getAsJsonObject("label").get("verdict").getAsString());
  }

  @Test
  void aShadowLabelNeedsTheShadowAnswerAndItsSteps() throws Exception {
    fixture.answered("q1", "Is Paris French?");
    HttpResponse<String> none = postJson("/api/feedback", "{\"questionId\": \"q1\", \"verdict\": \"CORRECT\", \"shadow\": true}");
    assertEquals(409, none.statusCode());
    assertTrue(json(none).get("error").getAsString().startsWith("question q1 has no shadow answer here"));
    shadowAnswered("q1");
    HttpResponse<String> r = postJson("/api/feedback", "{\"questionId\": \"q1\", \"verdict\": \"CORRECT\","
        + " \"shadow\": true, \"stepVerdicts\": [{\"index\": 3, \"correct\": false}]}");
    assertEquals(400, r.statusCode());
    assertEquals("the shadow answer of question q1 has no step 3 (its steps: [0, 1, 2])", json(r).get("error").getAsString());
    assertEquals(400, postJson("/api/feedback", "{\"questionId\": \"q1\", \"verdict\": \"CORRECT\", \"shadow\": \"yes\"}")
        .statusCode());
    assertEquals(List.of(), fixture.producer.history());
    // A shadow answer of a question the page does not show is not kept.
    shadowAnswered("unseen");
    assertEquals(404, get("/api/answers/unseen?timeoutMs=0").statusCode());
  }

  @Test
  void refusesLabelsForUnknownUnansweredOrMismatchedQuestions() throws Exception {
    assertEquals(404, postJson("/api/feedback", "{\"questionId\": \"nobody\", \"verdict\": \"CORRECT\"}").statusCode());
    fixture.live.onQuestion(MonitorFixture.question("q1", "?"));
    assertEquals(409, postJson("/api/feedback", "{\"questionId\": \"q1\", \"verdict\": \"CORRECT\"}").statusCode());
    fixture.answered("q2", "?");
    HttpResponse<String> r = postJson("/api/feedback",
        "{\"questionId\": \"q2\", \"verdict\": \"CORRECT\", \"stepVerdicts\": [{\"index\": 5, \"correct\": false}]}");
    assertEquals(400, r.statusCode());
    assertEquals("question q2 has no step 5 (its steps: [0, 1])", json(r).get("error").getAsString());
    assertEquals(List.of(), fixture.producer.history());
  }

  @Test
  void streamsTheRecentTracesToANewPageThenEveryChange() throws Exception {
    fixture.live.onQuestion(MonitorFixture.question("q1", "Is Paris French?"));
    HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(uri("/api/stream"))
        .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, r.statusCode());
    assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
      try (BufferedReader events = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
        JsonObject replayed = nextEvent(events, "trace");
        assertEquals("Is Paris French?", replayed.get("question").getAsString());
        assertEquals("PENDING", replayed.get("status").getAsString());
        assertEquals(0.0, nextEvent(events, "figures").get("answersPerSecond").getAsDouble());

        fixture.live.onStep(MonitorFixture.step("q1", 0, StepKind.MEMORY, "Paris is in France."));
        JsonObject live = nextEvent(events, "trace");
        assertEquals("Paris is in France.", live.getAsJsonArray("steps").get(0).getAsJsonObject().get("text").getAsString());
      }
    });
  }

  @Test
  void stoppingTheServerEndsTheLiveStreams() throws Exception {
    HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(uri("/api/stream"))
        .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
    assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
      try (BufferedReader events = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
        nextEvent(events, "figures");
        server.close();
        while (events.readLine() != null) {
          // Whatever was still on its way; the stream must end.
        }
      }
    });
  }

  /** Reads server-sent events until one with this name; returns its data. */
  private static JsonObject nextEvent(BufferedReader events, String name) throws Exception {
    String event = null;
    for (String line = events.readLine(); line != null; line = events.readLine()) {
      if (line.startsWith("event:")) {
        event = line.substring("event:".length()).strip();
      } else if (line.startsWith("data:") && name.equals(event)) {
        return JsonParser.parseString(line.substring("data:".length()).strip()).getAsJsonObject();
      }
    }
    throw new AssertionError("the stream ended before a " + name + " event");
  }

  @Test
  void servesThePageWithAPolicyThatForbidsInlineScript() throws Exception {
    HttpResponse<String> page = get("/");
    assertEquals(200, page.statusCode());
    assertTrue(page.body().contains("<script src=\"/app.js\" defer></script>"));
    String policy = page.headers().firstValue("content-security-policy").orElse("");
    assertTrue(policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"), policy);
    assertEquals(200, get("/app.js").statusCode());
    assertEquals(200, get("/app.css").statusCode());
  }

  // --- Revisions ------------------------------------------------------------------------------------------

  private Question produced(int index) {
    ProducerRecord<byte[], byte[]> sent = fixture.producer.history().get(index);
    assertEquals(fixture.config.topics().questions(), sent.topic());
    Question q = serdes.serde(Question.class).deserializer().deserialize(sent.topic(), sent.value());
    assertEquals(q.getId(), new String(sent.key(), StandardCharsets.UTF_8), "keyed by its new id");
    return q;
  }

  @Test
  void aRevisionIsTheOriginalQuestionWithItsStepsBeforeTheCorrectedOneAndTheCorrectionGiven() throws Exception {
    fixture.answered("q1", "Is Paris French?");
    HttpResponse<String> r = postJson("/api/questions/q1/revisions", "{\"stepIndex\": 1, \"text\": \"So it is.\"}");
    assertEquals(202, r.statusCode(), r.body());
    JsonObject body = json(r);
    Question revision = produced(0);
    assertEquals(body.get("id").getAsString(), revision.getId());
    assertTrue(!revision.getId().equals("q1"), "a new question");
    assertEquals("q1", body.getAsJsonObject("revises").get("questionId").getAsString());
    assertEquals(1, body.getAsJsonObject("revises").get("stepIndex").getAsInt());
    assertEquals("Is Paris French?", revision.getText());
    assertEquals(Task.STRATEGYQA, revision.getTask());
    assertEquals(List.of(new GivenStep(StepKind.MEMORY, "recalled"), new GivenStep(StepKind.REASON, "So it is.")),
        revision.getGivenSteps());
    assertEquals(new RevisedStep("q1", 1, null, MonitorFixture.VERSION, 1), revision.getRevises());
  }

  @Test
  void theOriginalAndItsRevisionLinkEachOtherInTheirTraces() throws Exception {
    fixture.answered("q1", "Is Paris French?");
    assertEquals(202, postJson("/api/questions/q1/revisions", "{\"stepIndex\": 0, \"text\": \"Paris is in France.\"}")
        .statusCode());
    Question revision = produced(0);
    fixture.live.onQuestion(revision); // read back from the questions topic
    JsonObject original = json(get("/api/answers/q1?timeoutMs=0"));
    assertEquals(revision.getId(), original.getAsJsonArray("revisions").get(0).getAsString());
    fixture.live.onStep(MonitorFixture.step(revision.getId(), 0, StepKind.MEMORY, "Paris is in France."));
    fixture.live.onAnswer(MonitorFixture.answer(revision.getId(), "Is Paris French?", List.of(), 10));
    JsonObject revised = json(get("/api/answers/" + revision.getId() + "?timeoutMs=0"));
    assertEquals("q1", revised.getAsJsonObject("revises").get("questionId").getAsString());
    assertEquals(0, revised.getAsJsonObject("revises").get("stepIndex").getAsInt());
  }

  @Test
  void aRevisionOfAStepNotInTheTraceOrOfAnUnknownQuestionIsRefusedAndProducesNothing() throws Exception {
    fixture.answered("q1", "Is Paris French?");
    fixture.live.onQuestion(MonitorFixture.question("q2", "Is Rome Italian?")); // asked, no step yet
    HttpResponse<String> beyond = postJson("/api/questions/q1/revisions", "{\"stepIndex\": 2, \"text\": \"x\"}");
    assertEquals(400, beyond.statusCode());
    assertEquals("question q1 has no step 2 (its trace has 2 steps)", json(beyond).get("error").getAsString());
    HttpResponse<String> early = postJson("/api/questions/q2/revisions", "{\"stepIndex\": 0, \"text\": \"x\"}");
    assertEquals(409, early.statusCode());
    assertTrue(json(early).get("error").getAsString().contains("has not been written yet"), early.body());
    assertEquals(404, postJson("/api/questions/q9/revisions", "{\"stepIndex\": 0, \"text\": \"x\"}").statusCode());
    HttpResponse<String> noText = postJson("/api/questions/q1/revisions", "{\"stepIndex\": 0}");
    assertEquals(400, noText.statusCode());
    assertEquals("text is required", json(noText).get("error").getAsString());
    HttpResponse<String> unknown = postJson("/api/questions/q1/revisions",
        "{\"stepIndex\": 0, \"text\": \"x\", \"kind\": \"MEMORY\"}");
    assertEquals(400, unknown.statusCode());
    HttpResponse<String> tooLong = postJson("/api/questions/q1/revisions", "{\"stepIndex\": 0, \"text\": \""
        + "x".repeat(300) + "\"}");
    assertEquals(400, tooLong.statusCode());
    assertTrue(json(tooLong).get("error").getAsString().contains("pipeline.max-question-chars=200"), tooLong.body());
    assertEquals(List.of(), fixture.producer.history());
  }

  @Test
  void aQuestionMayBringGivenStepsAndTheirKindsAreChecked() throws Exception {
    HttpResponse<String> r = postJson("/api/questions", "{\"text\": \"Where was Ilva born?\", \"task\": \"ATLAS\","
        + " \"givenSteps\": [{\"kind\": \"memory\", \"text\": \"Ilva was born in Tarsen.\"}]}");
    assertEquals(202, r.statusCode(), r.body());
    assertEquals(List.of(new GivenStep(StepKind.MEMORY, "Ilva was born in Tarsen.")), produced(0).getGivenSteps());
    HttpResponse<String> bad = postJson("/api/questions", "{\"text\": \"Why?\", \"givenSteps\": [{\"kind\":"
        + " \"ANSWER\", \"text\": \"x\"}]}");
    assertEquals(400, bad.statusCode());
    assertEquals("a given step's kind is MEMORY, REASON or ASSIGNMENT, not 'ANSWER'", json(bad).get("error").getAsString());
  }
}
