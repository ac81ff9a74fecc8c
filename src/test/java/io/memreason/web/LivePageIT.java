package io.memreason.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.memreason.avro.Answer;
import io.memreason.kafka.CommittedRecords;
import io.memreason.avro.AnswerStatus;
import io.memreason.avro.Feedback;
import io.memreason.avro.ModelAccuracy;
import io.memreason.avro.ModelStatus;
import io.memreason.avro.ModelVersion;
import io.memreason.avro.ReasoningStep;
import io.memreason.avro.StepKind;
import io.memreason.avro.StepVerdict;
import io.memreason.avro.Task;
import io.memreason.avro.Verdict;
import io.memreason.config.MemreasonConfig;
import io.memreason.kafka.ClientProperties;
import io.memreason.kafka.EmbeddedKafka;
import io.memreason.kafka.EmbeddedKafkaExtension;
import io.memreason.pipeline.InferencePipeline;
import io.memreason.pipeline.PipelineFixture;
import io.memreason.pipeline.serde.AvroSerdes;
import io.memreason.reasoning.Reasoner;
import io.memreason.training.DefaultModel;
import io.memreason.training.atlas.AtlasQuestion;
import io.memreason.training.atlas.EntityKind;
import io.memreason.training.atlas.QuestionType;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The live page end to end in a real headless Chromium: the embedded broker, the pipeline on the integration tests'
 * model ({@link PipelineFixture#reasoner()}), the monitor and the web server, all in this JVM. The server speaks
 * HTTPS with a self-signed certificate made for the test (Chromium ignores errors for that certificate only) and asks
 * for tokens: the page is signed in through its own sign-in box, and the label lands under the token's name.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // the screenshot is taken before the injected trace joins
class LivePageIT {
  private static final Duration WAIT = Duration.ofMinutes(2);
  private static final Path SCREENSHOT = Path.of("target", "live-page.png");

  private static MemreasonConfig config;
  private static Reasoner reasoner;
  private static InferencePipeline pipeline;
  private static TraceMonitor monitor;
  private static WebServer web;
  private static HeadlessChromium chromium;
  private static KafkaProducer<byte[], byte[]> producer;
  private static AvroSerdes serdes;
  private static Path secrets;
  private static String token;
  private static String watcher;
  private static HttpClient http;

  @BeforeAll
  static void start(EmbeddedKafka kafka) throws Exception {
    secrets = Files.createTempDirectory("memreason-live-page");
    TestCertificate certificate = new TestCertificate();
    String password = UUID.randomUUID().toString();
    token = TokenFile.add(secrets.resolve("tokens"), "ana", java.util.EnumSet.allOf(Role.class));
    watcher = TokenFile.add(secrets.resolve("tokens"), "walt", java.util.EnumSet.of(Role.WATCH));
    http = HttpClient.newBuilder().sslContext(certificate.trustingIt()).build();
    config = PipelineFixture.withTopics(PipelineFixture.config(kafka.bootstrapServers(), "web")
        .with(Map.of("web.host", "127.0.0.1", "web.port", "0", "web.tokens-file", secrets.resolve("tokens").toString(),
            "web.tls.keystore", certificate.writeKeystore(secrets.resolve("server.p12"), password).toString(),
            "web.tls.keystore-password-file", Files.writeString(secrets.resolve("password"), password).toString())));
    serdes = AvroSerdes.forConfig(config.kafka());
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    reasoner = PipelineFixture.reasoner();
    pipeline = InferencePipeline.start(config, reasoner, registry);
    monitor = TraceMonitor.start(config);
    web = WebServer.start(config.web(), registry, () -> Health.of(pipeline.state()), monitor);
    producer = new KafkaProducer<>(ClientProperties.producer(config));
    chromium = new HeadlessChromium(1440, 900, "--ignore-certificate-errors-spki-list=" + certificate.spkiSha256());
    pipeline.awaitRunning(WAIT);
  }

  /** The browser first, the model last; everything that was started is closed even when one close fails. */
  @AfterAll
  static void stop() throws Exception {
    Exception failure = null;
    for (AutoCloseable started : new AutoCloseable[] {chromium, producer, web, monitor, pipeline, reasoner}) {
      try {
        if (started != null) {
          started.close();
        }
      } catch (Exception e) {
        failure = failure == null ? e : failure;
      }
    }
    try (var files = Files.walk(secrets)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    if (failure != null) {
      throw failure;
    }
  }

  @Test
  @Order(1)
  void showsTheStepsAndTheAnswerLiveAndRecordsTheLabelOnTheFeedbackTopic() throws Exception {
    WebDriver page = chromium.driver;
    page.get(base() + "/");
    // Signed out, the page shows the sign-in box and nothing else it would need a role for.
    waitFor(page, d -> d.findElement(By.id("signin")).isDisplayed());
    assertFalse(page.findElement(By.id("ask")).isDisplayed());
    page.findElement(By.id("signin-token")).sendKeys(token);
    page.findElement(By.cssSelector("#signin button[type='submit']")).click();
    waitFor(page, d -> d.findElement(By.id("connection")).getText().equals("live"));
    assertEquals("ana", page.findElement(By.id("signed-in-name")).getText());
    assertEquals("", page.findElement(By.id("signin-token")).getAttribute("value"), "the box forgets the token");
    assertEquals(Boolean.TRUE, script(page, "return !document.cookie.includes(arguments[0])"
        + " && localStorage.length === 0 && sessionStorage.length === 0 && !location.href.includes(arguments[0])"
        + " && !document.documentElement.outerHTML.includes(arguments[0])", token),
        "the token is in no script-readable place: an HttpOnly cookie only");
    page = open("/");
    script(page, "window.sameDocument = true");
    assertEquals("no labels yet", page.findElement(By.id("fig-accuracy")).getText());

    // Atlas questions whose traces recall facts in memory steps and combine them in a reason step.
    List<String> questions = DefaultModel.defaultRecipe().dataset().test().stream()
        .filter(q -> q.cotSteps().stream().anyMatch(step -> step.startsWith("[reason]")))
        .map(AtlasQuestion::question).distinct().limit(3).toList();
    String id = ask(questions.get(0));
    ask(questions.get(1));
    // The page's own form asks too, and shows the question it asked as soon as it arrives.
    page.findElement(By.id("ask-text")).sendKeys(questions.get(2));
    new Select(page.findElement(By.id("ask-task"))).selectByValue("ATLAS");
    page.findElement(By.cssSelector("#ask button[type='submit']")).click();
    waitFor(page, d -> d.findElement(By.id("detail-question")).getText().equals(questions.get(2)));

    // The card appears and grows on this page without a reload, until the answer arrives.
    WebElement card = waitFor(page, d -> d.findElement(By.cssSelector(card(id))));
    waitFor(page, d -> d.findElement(By.cssSelector(card(id) + " .status")).getText().equals("ok"));
    JsonObject answered = answer(id);
    List<String> kinds = new ArrayList<>();
    List<WebElement> steps = card.findElements(By.cssSelector(".step"));
    JsonArray expected = answered.getAsJsonArray("steps");
    assertEquals(expected.size(), steps.size(), "every step of the trace is on the card");
    for (int i = 0; i < steps.size(); i++) {
      JsonObject step = expected.get(i).getAsJsonObject();
      String kind = step.get("kind").getAsString();
      kinds.add(kind);
      WebElement shown = steps.get(i);
      assertEquals(step.get("text").getAsString(), text(page, shown.findElement(By.cssSelector(".step-text"))));
      String label = kind.equals("MEMORY") ? "memory" : kind.equals("REASON") ? "reason" : "step";
      assertEquals(label, text(page, shown.findElement(By.cssSelector(".kind"))));
      assertTrue(shown.getAttribute("class").contains(label.equals("step") ? "other" : label), shown.getAttribute("class"));
    }
    assertTrue(kinds.contains("MEMORY") && kinds.contains("REASON"), "memory and reason steps: " + kinds);
    assertFalse(steps.get(kinds.indexOf("MEMORY")).getCssValue("background-color")
        .equals(steps.get(kinds.indexOf("REASON")).getCssValue("background-color")), "memory and reason look different");
    assertEquals(answered.getAsJsonObject("answer").get("text").getAsString(),
        card.findElement(By.cssSelector(".answer-text")).getText());
    assertEquals(reasoner.modelVersion(), card.findElement(By.cssSelector(".model-version")).getText());

    // Label it in the detail view: the first memory step is wrong, and so is the answer.
    card.click();
    int wrongStep = expected.get(kinds.indexOf("MEMORY")).getAsJsonObject().get("index").getAsInt();
    waitFor(page, d -> d.findElement(By.cssSelector("#detail .step[data-index='" + wrongStep + "'] .mark-wrong"))).click();
    page.findElement(By.cssSelector("#detail .verdict[data-verdict='INCORRECT']")).click();
    waitFor(page, d -> d.findElement(By.id("label-status")).getText().startsWith("Saved: incorrect, 1 step wrong"));
    waitFor(page, d -> d.findElement(By.cssSelector(card(id) + " .verdict-pill")).getText().equals("labelled incorrect"));

    Feedback feedback = feedbackOn(id);
    assertEquals(Verdict.INCORRECT, feedback.getVerdict());
    assertEquals(List.of(new StepVerdict(wrongStep, false, null)), feedback.getStepVerdicts());
    assertEquals("ana", feedback.getLabeller(), "the labeller is the signed-in token's name");

    // The accuracy panel shows what the feedback aggregator publishes.
    publishAccuracy(reasoner.modelVersion(), 12, 9, 5, 2);
    waitFor(page, d -> d.findElement(By.id("fig-accuracy")).getText().contains("75%"));
    assertTrue(page.findElement(By.id("fig-wrong")).getText().contains("memory 71% (5)"));

    waitFor(page, d -> d.findElements(By.cssSelector(".card .status")).stream().filter(s -> s.getText().equals("ok"))
        .count() == 3);

    // Per model version: what the gates decided and why (the model-versions topic), its share of the answers and its
    // answers (followed), its live accuracy and step error rates (the aggregator's figures).
    String serving = reasoner.modelVersion();
    String promotedWhy = serving + " promoted: live accuracy 9/12 = 0.750, v0 7/12 = 0.583; not below v0";
    String rejectedWhy = "v-next rolled back: live accuracy 0/12 = 0.000, " + serving + " 9/12 = 0.750; below " + serving;
    publishModelVersion(serving, ModelStatus.PROMOTED, promotedWhy);
    publishModelVersion("v-next", ModelStatus.REJECTED, rejectedWhy);
    assertEquals(List.of(serving, "promoted", "100%", "3", "75% (9 of 12)", "25% of 20", "10% of 20", promotedWhy),
        waitFor(page, d -> versionCells(d, serving, "promoted")));
    assertEquals(List.of("v-next", "rejected", "0%", "0", "–", "–", "–", rejectedWhy),
        waitFor(page, d -> versionCells(d, "v-next", "rejected")));
    assertTrue(page.findElement(By.id("cards")).getText().contains(questions.get(1)));
    Select status = new Select(page.findElement(By.id("filter-status")));
    status.selectByValue("FAILED");
    assertEquals("0 of 3 shown", page.findElement(By.id("shown-count")).getText());
    status.selectByValue("");
    new Select(page.findElement(By.id("filter-version"))).selectByValue(reasoner.modelVersion());
    assertEquals("3 questions", page.findElement(By.id("shown-count")).getText());
    assertEquals(Boolean.TRUE, script(page, "return window.sameDocument === true"), "updated live, never reloaded");
    Files.createDirectories(SCREENSHOT.getParent());
    Files.write(SCREENSHOT, chromium.driver.getScreenshotAs(OutputType.BYTES));
  }

  @Test
  @Order(2)
  void showsModelTextWithMarkupAsTextAndRunsNoneOfIt() throws Exception {
    String id = "injected-" + UUID.randomUUID();
    String stepText = "<script>window.injected = 'script'</script><img src=x onerror=\"window.injected = 'img'\">";
    ReasoningStep step = ReasoningStep.newBuilder().setQuestionId(id).setIndex(0).setKind(StepKind.MEMORY)
        .setText(stepText).setModelVersion("v<b>1</b>").setTokenCount(9).setStartedAt(Instant.now())
        .setCompletedAt(Instant.now()).build();
    Answer answer = Answer.newBuilder().setQuestionId(id).setQuestion("<b>Bold</b> question?").setTask(Task.OPEN)
        .setAnswerText("<i onmouseover=\"window.injected = 'i'\">True</i>").setSteps(List.of(step))
        .setModelVersion("v<b>1</b>").setStatus(AnswerStatus.OK).setPromptTokens(3).setGeneratedTokens(9)
        .setSubmittedAt(Instant.now()).setAnsweredAt(Instant.now()).setLatencyMs(1).build();
    WebDriver page = open("/#q=" + id);
    send(config.topics().memorySteps(), id, serdes.serde(ReasoningStep.class).serializer()
        .serialize(config.topics().memorySteps(), step));
    send(config.topics().answers(), id, serdes.serde(Answer.class).serializer().serialize(config.topics().answers(), answer));

    waitFor(page, d -> d.findElement(By.cssSelector(card(id) + " .answer-text")));
    for (String view : List.of(card(id), "#detail")) {
      waitFor(page, d -> d.findElement(By.cssSelector(view + " .step-text")));
      WebElement shown = page.findElement(By.cssSelector(view));
      assertEquals(stepText, text(page, shown.findElement(By.cssSelector(".step-text"))));
      assertEquals(answer.getAnswerText(), text(page, shown.findElement(By.cssSelector(".answer-text"))));
      assertTrue(shown.getText().contains("<b>Bold</b> question?"), shown.getText());
      assertEquals(List.of(), shown.findElements(By.cssSelector("script, img, b, i")), "no element made from model text");
    }
    assertEquals(Boolean.TRUE, script(page, "return window.injected === undefined"), "nothing from the model ran");
  }

  /**
   * The cross-site form post: a page on another site (localhost is another site than 127.0.0.1) that the signed-in
   * browser visits submits a form at the API. The browser does not send the SameSite=Strict cookie with it, says it
   * is cross-site, and the server refuses it; no question is produced.
   */
  @Test
  @Order(3)
  void aFormOnAnotherSiteCannotAskInTheSignedInVisitorsName() throws Exception {
    String text = "cross-site-" + UUID.randomUUID();
    String form = "<!DOCTYPE html><html><body><form id=\"f\" method=\"post\" enctype=\"text/plain\" action=\""
        + base() + "/api/questions\"><input name='{\"text\": \"" + text + "\", \"x\": \"' value='\"}'></form>"
        + "<script>document.getElementById('f').submit()</script></body></html>";
    com.sun.net.httpserver.HttpServer evil = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    evil.createContext("/", exchange -> {
      byte[] body = form.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    evil.start();
    try {
      WebDriver page = open("/");
      assertEquals("ana", page.findElement(By.id("signed-in-name")).getText(), "the visitor is signed in");
      page.get("http://localhost:" + evil.getAddress().getPort() + "/");
      waitFor(page, d -> d.getCurrentUrl().startsWith(base() + "/api/questions"));
      String refusal = page.findElement(By.tagName("body")).getText();
      assertTrue(refusal.contains("\"error\""), refusal);
      assertFalse(refusal.contains("\"id\""), refusal);
    } finally {
      evil.stop(0);
    }
    String topic = config.topics().questions();
    for (ConsumerRecord<byte[], byte[]> r : CommittedRecords.of(config, topic)) {
      assertFalse(serdes.serde(io.memreason.avro.Question.class).deserializer().deserialize(topic, r.value())
          .getText().equals(text), "the cross-site form asked a question");
    }
  }

  /** A token with the watch role only: the page shows the traces, and neither the ask form nor the labelling. */
  @Test
  @Order(4)
  void showsOnlyTheControlsTheTokensRolesAllow() {
    WebDriver page = open("/");
    page.findElement(By.id("signout")).click();
    waitFor(page, d -> d.findElement(By.id("signin")).isDisplayed());
    page.findElement(By.id("signin-token")).sendKeys(watcher);
    page.findElement(By.cssSelector("#signin button[type='submit']")).click();
    waitFor(page, d -> d.findElement(By.id("connection")).getText().equals("live"));
    assertEquals("walt", page.findElement(By.id("signed-in-name")).getText());
    assertFalse(page.findElement(By.id("ask")).isDisplayed(), "no ask form without the ask role");
    WebElement card = waitFor(page, d -> d.findElement(By.cssSelector(".card .status")));
    card.click();
    waitFor(page, d -> d.findElement(By.id("no-labelling")).isDisplayed());
    assertEquals(List.of(), page.findElements(By.cssSelector("#detail .verdict, #detail .mark-wrong")),
        "no labelling controls without the label role");
  }

  /**
   * "edit" on a step of an answered trace, then "continue from here": a revision is asked, and its trace appears live
   * beside the original, the corrected step and the answer that changed highlighted.
   */
  @Test
  @Order(5)
  void editingAStepAndContinuingShowsTheRevisedTraceBesideTheOriginal() throws Exception {
    WebDriver page = open("/");
    if (!page.findElement(By.id("signed-in-name")).getText().equals("ana")) {
      page.findElement(By.id("signout")).click();
      waitFor(page, d -> d.findElement(By.id("signin")).isDisplayed());
      page.findElement(By.id("signin-token")).sendKeys(token);
      page.findElement(By.cssSelector("#signin button[type='submit']")).click();
      waitFor(page, d -> d.findElement(By.id("signed-in-name")).getText().equals("ana"));
    }
    // A lookup: the answer is what its one memory step recalls, so a corrected step changes the answer.
    var dataset = DefaultModel.defaultRecipe().dataset();
    AtlasQuestion lookup = dataset.test().stream().filter(q -> q.type() == QuestionType.WHERE_BORN).findFirst()
        .orElseThrow();
    String elsewhere = dataset.world().names(EntityKind.CITY).stream().filter(c -> !c.equals(lookup.answer()))
        .findFirst().orElseThrow();
    String corrected = lookup.about().get(0) + " was born in " + elsewhere + ".";
    String id = ask(lookup.question());
    JsonObject original = answer(id);
    page = open("/#q=" + id);
    script(page, "window.sameDocument = true");
    waitFor(page, d -> d.findElement(By.cssSelector("#detail .answer-text")));

    page.findElement(By.cssSelector("#detail .step[data-index='0'] .edit-step")).click();
    WebElement editor = waitFor(page, d -> d.findElement(By.cssSelector("#detail .step-edit-text")));
    assertEquals(original.getAsJsonArray("steps").get(0).getAsJsonObject().get("text").getAsString(),
        editor.getAttribute("value"), "the editor starts from the step as the model wrote it");
    editor.clear();
    editor.sendKeys(corrected);
    page.findElement(By.cssSelector("#detail .continue-here")).click();

    // The revision is selected as soon as it arrives, beside the original, and fills in live.
    WebElement revised = waitFor(page, d -> d.findElement(By.cssSelector("#detail .compare-column.revised")));
    String revisionId = revised.getAttribute("data-question-id");
    assertFalse(revisionId.equals(id), "a new question");
    assertEquals(id, page.findElement(By.cssSelector("#detail .compare-column.original")).getAttribute("data-question-id"));
    waitFor(page, d -> d.findElement(By.cssSelector("#detail .compare-column.revised .answer-text")));
    WebElement editedStep = page.findElement(By.cssSelector("#detail .compare-column.revised .step[data-index='0']"));
    assertEquals(corrected, text(page, editedStep.findElement(By.cssSelector(".step-text"))));
    assertTrue(editedStep.getAttribute("class").contains("edited") && editedStep.getAttribute("class").contains("given"),
        editedStep.getAttribute("class"));
    assertTrue(page.findElement(By.cssSelector("#detail .compare-column.original .step[data-index='0']"))
        .getAttribute("class").contains("replaced"));
    JsonObject revision = answer(revisionId);
    assertEquals(id, revision.getAsJsonObject("revises").get("questionId").getAsString());
    assertEquals(0, revision.getAsJsonObject("revises").get("stepIndex").getAsInt());
    assertTrue(revision.getAsJsonArray("steps").get(0).getAsJsonObject().get("given").getAsBoolean());
    assertEquals(elsewhere, revision.getAsJsonObject("answer").get("label").getAsString(),
        "the model continues from the corrected step: " + revision);
    waitFor(page, d -> d.findElements(By.cssSelector("#detail .compare-column .answer.changed")).size() == 2);
    assertEquals(elsewhere, page.findElement(By.cssSelector("#detail .compare-column.revised .answer-text")).getText()
        .replace("The answer is:", "").strip());
    assertTrue(page.findElement(By.cssSelector(card(revisionId) + " .revision-tag")).getText().contains("revision"));
    assertEquals(revisionId, answer(id).getAsJsonArray("revisions").get(0).getAsString(), "the original links it");
    assertEquals(Boolean.TRUE, script(page, "return window.sameDocument === true"), "updated live, never reloaded");
    Files.write(Path.of("target", "live-page-revision.png"), chromium.driver.getScreenshotAs(OutputType.BYTES));
  }

  @Test
  @Order(6)
  void aShadowAnswerIsShownBesideTheServedOneAndLabelledWithTheShadowFlag() throws Exception {
    AtlasQuestion lookup = DefaultModel.defaultRecipe().dataset().test().get(0);
    String id = ask(lookup.question());
    JsonObject served = answer(id);
    // Stands in for a candidate answering in the shadow (serving.shadow; ShadowTrafficIT runs the real one).
    Answer shadow = Answer.newBuilder().setQuestionId(id).setQuestion(lookup.question()).setTask(Task.ATLAS)
        .setAnswerText("The answer is: Nowhere").setLabel("Nowhere").setSteps(List.of(ReasoningStep.newBuilder()
            .setQuestionId(id).setIndex(0).setKind(StepKind.MEMORY).setText("A shadow memory.")
            .setModelVersion("v-shadow").setTokenCount(4).setStartedAt(Instant.now()).setCompletedAt(Instant.now())
            .build()))
        .setModelVersion("v-shadow").setStatus(AnswerStatus.OK).setPromptTokens(10).setGeneratedTokens(10)
        .setSubmittedAt(Instant.now()).setAnsweredAt(Instant.now()).setLatencyMs(5).setShadow(true).build();
    String topic = config.topics().shadowAnswers();
    send(topic, id, serdes.serde(Answer.class).serializer().serialize(topic, shadow));

    WebDriver page = open("/#q=" + id);
    waitFor(page, d -> d.findElement(By.cssSelector(card(id) + " .shadow-tag")).getText().equals("shadow, v-shadow"));
    waitFor(page, d -> d.findElement(By.cssSelector("#detail .shadow .answer-text")).getText()
        .equals("The answer is: Nowhere"));
    assertEquals(served.getAsJsonObject("answer").get("text").getAsString(),
        page.findElement(By.cssSelector("#detail-answer .answer-text")).getText(), "the served answer stays as it is");
    assertEquals("A shadow memory.", text(page, page.findElement(By.cssSelector("#detail .shadow .step .step-text"))));

    page.findElement(By.cssSelector("#detail .shadow-verdict[data-verdict='INCORRECT']")).click();
    waitFor(page, d -> d.findElement(By.id("shadow-label-status")).getText()
        .startsWith("Saved the shadow label: incorrect"));
    Feedback feedback = feedbackOn(id);
    assertTrue(feedback.getShadow(), "the label judges the shadow answer");
    assertEquals(Verdict.INCORRECT, feedback.getVerdict());
    waitFor(page, d -> d.findElement(By.id("shadow-current-label")).getText().startsWith("On the feedback topic: incorrect"));
    assertTrue(page.findElements(By.cssSelector(card(id) + " .verdict-pill")).isEmpty(),
        "the served answer is not labelled by it");
  }

  /** The page in a fresh document (a new address differing only in its #fragment would not reload it). */
  private WebDriver open(String path) {
    WebDriver page = chromium.driver;
    page.get("about:blank");
    page.get(base() + path);
    try {
      waitFor(page, d -> d.findElement(By.id("connection")).getText().equals("live"));
    } catch (org.openqa.selenium.TimeoutException e) {
      throw new AssertionError("the page is not live: " + page.findElement(By.id("connection")).getText(), e);
    }
    return page;
  }

  private static String base() {
    return "https://127.0.0.1:" + web.port();
  }

  private static String card(String id) {
    return ".card[data-question-id='" + id + "']";
  }

  private static Object script(WebDriver page, String js, Object... arguments) {
    return ((JavascriptExecutor) page).executeScript(js, arguments);
  }

  /** The exact text of an element (Selenium's getText normalizes whitespace). */
  private static String text(WebDriver page, WebElement e) {
    return (String) ((JavascriptExecutor) page).executeScript("return arguments[0].textContent", e);
  }

  private static <T> T waitFor(WebDriver page, Function<WebDriver, T> condition) {
    return new WebDriverWait(page, WAIT).ignoring(NoSuchElementException.class)
        .ignoring(StaleElementReferenceException.class).until(condition);
  }

  private String ask(String question) throws Exception {
    String body = "{\"text\": \"" + question + "\", \"task\": \"ATLAS\"}";
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base() + "/api/questions"))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(202, r.statusCode(), r.body());
    return JsonParser.parseString(r.body()).getAsJsonObject().get("id").getAsString();
  }

  private JsonObject answer(String id) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base() + "/api/answers/" + id + "?timeoutMs="
        + WAIT.toMillis())).header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return JsonParser.parseString(r.body()).getAsJsonObject();
  }

  private static void send(String topic, String key, byte[] value) throws Exception {
    producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value)).get();
  }

  /**
   * The cells of a version's row in the versions table once it shows {@code status}; null before (the table is
   * redrawn with every figures event, so a row read half-way is stale and read again).
   */
  private static List<String> versionCells(WebDriver page, String version, String status) {
    return page.findElements(By.cssSelector("#versions-rows tr")).stream()
        .filter(r -> version.equals(r.getAttribute("data-version")))
        .map(r -> r.findElements(By.cssSelector("td")).stream().map(WebElement::getText).toList())
        .filter(cells -> cells.get(1).equals(status))
        .findFirst().orElse(null);
  }

  /** Stands in for the registry (not part of this test): a version's status and the gate's reason for it. */
  private static void publishModelVersion(String version, ModelStatus status, String reason) throws Exception {
    ModelVersion announced = ModelVersion.newBuilder().setVersion(version).setBaseModel("base")
        .setLocation("/registry/" + version).setStatus(status).setReason(reason).setCreatedAt(Instant.now()).build();
    String topic = config.topics().modelVersions();
    send(topic, version, serdes.serde(ModelVersion.class).serializer().serialize(topic, announced));
  }

  /** Stands in for the feedback aggregator (not part of this test): its figures for one version. */
  private static void publishAccuracy(String version, long labelled, long correct, long memoryWrong, long reasonWrong)
      throws Exception {
    ModelAccuracy figures = ModelAccuracy.newBuilder().setModelVersion(version).setLabelled(labelled)
        .setCorrect(correct).setIncorrect(labelled - correct).setMemoryStepsJudged(20).setMemoryStepsWrong(memoryWrong)
        .setReasonStepsJudged(20).setReasonStepsWrong(reasonWrong).setUpdatedAt(Instant.now()).build();
    String topic = config.topics().feedbackStats();
    send(topic, version, serdes.serde(ModelAccuracy.class).serializer().serialize(topic, figures));
  }

  /** The feedback record of a question, as a read_committed consumer of the feedback topic sees it. */
  private static Feedback feedbackOn(String id) {
    String topic = config.topics().feedback();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(ClientProperties.readCommittedConsumer(config))) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (new String(r.key(), StandardCharsets.UTF_8).equals(id)) {
            return serdes.serde(Feedback.class).deserializer().deserialize(topic, r.value());
          }
        }
      }
    }
    throw new AssertionError("no feedback for " + id + " on " + topic);
  }
}
