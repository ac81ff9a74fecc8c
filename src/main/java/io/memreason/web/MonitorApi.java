package io.memreason.web;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.memreason.avro.Feedback;
import io.memreason.avro.Question;
import io.memreason.pipeline.QuestionLimits;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The JSON API beside the page: ask a question, wait for its answer, label it, and follow everything live.
 * Requests are answered once the broker has acknowledged what they produced; errors are {@code {"error": "..."}}
 * with a 4xx or 5xx status.
 */
final class MonitorApi {
  static final long DEFAULT_ANSWER_WAIT_MS = 30_000;
  static final long MAX_ANSWER_WAIT_MS = 600_000;

  private final TraceMonitor monitor;

  MonitorApi(TraceMonitor monitor) {
    this.monitor = monitor;
  }

  void register(RoutesConfig routes) {
    routes.post("/api/questions", this::ask);
    routes.get("/api/answers/{id}", this::answer);
    routes.post("/api/feedback", this::label);
    routes.sse("/api/stream", page -> {
      page.keepAlive();
      monitor.live.subscribe(page);
    });
  }

  /** {@code POST /api/questions}: produces the question, 202 with its id. */
  private void ask(Context ctx) {
    QuestionRequest request = QuestionRequest.parse(jsonBody(ctx), monitor.config);
    Question q = request.toQuestion(UUID.randomUUID().toString(), monitor.clock.instant());
    whenAcknowledged(ctx, monitor.submissions.ask(q), monitor.config.topics().questions(),
        metadata -> ctx.status(HttpStatus.ACCEPTED).json(Map.of("id", q.getId())));
  }

  /**
   * {@code GET /api/answers/{id}?timeoutMs=N}: the question's trace with its answer, waiting up to N ms (default
   * 30 s) for it; 408 when the question is known but not answered in time, 404 when the page does not know it.
   */
  private void answer(Context ctx) {
    String id = ctx.pathParam("id");
    if (QuestionLimits.characters(id) > FeedbackRequest.MAX_ID_CHARS) {
      throw ApiException.badRequest("a question id has at most " + FeedbackRequest.MAX_ID_CHARS + " characters");
    }
    long timeoutMs = timeoutMs(ctx.queryParam("timeoutMs"));
    ctx.future(() -> monitor.live.answered(id, Duration.ofMillis(timeoutMs)).thenAccept(answered -> {
      if (answered.isPresent()) {
        ctx.json(answered.get());
      } else if (monitor.live.trace(id).isPresent()) {
        error(ctx, HttpStatus.REQUEST_TIMEOUT, "question " + id + " is not answered after " + timeoutMs
            + " ms: ask again (timeoutMs up to " + MAX_ANSWER_WAIT_MS + ")");
      } else {
        error(ctx, HttpStatus.NOT_FOUND, unknownQuestion(id));
      }
    }));
  }

  private static long timeoutMs(String param) {
    if (param == null) {
      return DEFAULT_ANSWER_WAIT_MS;
    }
    try {
      long ms = Long.parseLong(param);
      if (ms >= 0 && ms <= MAX_ANSWER_WAIT_MS) {
        return ms;
      }
    } catch (NumberFormatException e) {
      // Answered below like an out-of-range number.
    }
    throw ApiException.badRequest("timeoutMs must be a whole number of milliseconds from 0 to " + MAX_ANSWER_WAIT_MS
        + ", not '" + param + "'");
  }

  /** {@code POST /api/feedback}: produces the label of an answered question, 200 once the broker has it. */
  private void label(Context ctx) {
    FeedbackRequest request = FeedbackRequest.parse(jsonBody(ctx));
    TraceView trace = monitor.live.trace(request.questionId())
        .orElseThrow(() -> new ApiException(HttpStatus.NOT_FOUND, unknownQuestion(request.questionId())));
    Feedback feedback = request.toFeedback(trace, monitor.clock.instant());
    whenAcknowledged(ctx, monitor.submissions.label(feedback), monitor.config.topics().feedback(), metadata -> {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("questionId", feedback.getQuestionId());
      body.put("verdict", feedback.getVerdict().name());
      body.put("stepVerdicts", feedback.getStepVerdicts().size());
      body.put("partition", metadata.partition());
      body.put("offset", metadata.offset());
      ctx.json(body);
    });
  }

  private String unknownQuestion(String id) {
    return "no question " + id + " among the last " + monitor.config.web().recentQuestions()
        + " questions this server has followed since it started (web.recent-questions)";
  }

  /**
   * A cross-site form cannot send {@code application/json} without the browser asking first, so insisting on it
   * keeps other sites from asking or labelling in a visitor's name.
   */
  private static String jsonBody(Context ctx) {
    String type = ctx.contentType();
    if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
      throw new ApiException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "send the body as JSON with Content-Type: application/json");
    }
    return ctx.body();
  }

  /** Responds when the broker acknowledges, off the producer's network thread; 503 when it does not. */
  private static void whenAcknowledged(Context ctx, CompletableFuture<RecordMetadata> acknowledged, String topic,
                                       Consumer<RecordMetadata> respond) {
    ctx.future(() -> acknowledged.handleAsync((metadata, failure) -> {
      if (failure != null) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        error(ctx, HttpStatus.SERVICE_UNAVAILABLE, "could not produce to " + topic + ": " + cause.getMessage()
            + " (is Kafka reachable?)");
      } else {
        respond.accept(metadata);
      }
      return null;
    }));
  }

  static void error(Context ctx, HttpStatus status, String message) {
    ctx.status(status).json(Map.of("error", message));
  }
}
