package io.memreason.web;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.http.sse.SseHandler;
import io.memreason.avro.Feedback;
import io.memreason.avro.Question;
import io.memreason.pipeline.QuestionLimits;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The JSON API beside the page: sign in, ask a question, wait for its answer, label it, and follow everything live.
 * Each route needs its role ({@link WebAccess}) and stays within its quota ({@link Quotas}); both are checked before
 * the body is read. Requests are answered once the broker has acknowledged what they produced; errors are
 * {@code {"error": "..."}} with a 4xx or 5xx status.
 */
final class MonitorApi {
  static final long DEFAULT_ANSWER_WAIT_MS = 30_000;
  static final long MAX_ANSWER_WAIT_MS = 600_000;

  private final TraceMonitor monitor;
  private final WebAccess access;
  private final Quotas quotas;
  private final int maxBodyBytes;

  MonitorApi(TraceMonitor monitor, WebAccess access, Quotas quotas) {
    this.monitor = monitor;
    this.access = access;
    this.quotas = quotas;
    this.maxBodyBytes = monitor.config.web().limits().maxBodyBytes();
    monitor.live.onAnswered(quotas::settled);
  }

  void register(RoutesConfig routes) {
    routes.get("/api/session", access::session);
    routes.post("/api/session", ctx -> access.signIn(ctx, RequestBody.json(ctx, maxBodyBytes)));
    routes.delete("/api/session", access::signOut);
    routes.post("/api/questions", this::ask);
    routes.post("/api/questions/{id}/revisions", this::revise);
    routes.get("/api/answers/{id}", this::answer);
    routes.post("/api/feedback", this::label);
    routes.get("/api/stream", this::stream);
  }

  /** {@code POST /api/questions}: produces the question, 202 with its id. */
  private void ask(Context ctx) {
    Caller caller = access.require(ctx, Role.ASK);
    askTheModel(ctx, caller, id -> QuestionRequest.parse(RequestBody.json(ctx, maxBodyBytes), monitor.config)
        .toQuestion(id, monitor.clock.instant()), q -> Map.of("id", q.getId()));
  }

  /**
   * {@code POST /api/questions/{id}/revisions}: produces a revision of a question the page shows, 202 with its id. It
   * asks the model, so it needs the ask role and counts against the caller's questions quota.
   */
  private void revise(Context ctx) {
    Caller caller = access.require(ctx, Role.ASK);
    String originalId = ctx.pathParam("id");
    if (originalId.length() > FeedbackRequest.MAX_ID_CHARS) {
      throw ApiException.badRequest("a question id has at most " + FeedbackRequest.MAX_ID_CHARS + " characters");
    }
    askTheModel(ctx, caller, id -> {
      RevisionRequest request = RevisionRequest.parse(RequestBody.json(ctx, maxBodyBytes));
      TraceView original = monitor.live.trace(originalId)
          .orElseThrow(() -> new ApiException(HttpStatus.NOT_FOUND, unknownQuestion(originalId)));
      return request.toQuestion(original, id, monitor.clock.instant(), monitor.config);
    }, q -> {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("id", q.getId());
      body.put("revises", Map.of("questionId", originalId, "stepIndex", q.getRevises().getStepIndex()));
      return body;
    });
  }

  /**
   * Produces the question {@code question} makes of a new id, within the caller's questions quota, and answers 202
   * with {@code response} once the broker has it. A question that cannot be made gives its place in the quota back.
   */
  private void askTheModel(Context ctx, Caller caller, Function<String, Question> question,
                           Function<Question, Object> response) {
    String id = UUID.randomUUID().toString();
    quotas.ask(caller, id);
    Question q;
    try {
      q = question.apply(id);
    } catch (RuntimeException e) {
      quotas.settled(id);
      throw e;
    }
    CompletableFuture<RecordMetadata> produced = monitor.submissions.ask(q);
    produced.whenComplete((metadata, failure) -> {
      if (failure != null) {
        quotas.settled(id);
      }
    });
    whenAcknowledged(ctx, produced, monitor.config.topics().questions(),
        metadata -> ctx.status(HttpStatus.ACCEPTED).json(response.apply(q)));
  }

  /**
   * {@code GET /api/stream}: the page's server-sent events. The caller's place among the open streams is taken before
   * the stream starts (a refusal is then still a plain 429) and given back when it ends.
   */
  private void stream(Context ctx) throws Exception {
    Caller caller = access.require(ctx, Role.WATCH);
    Quotas.StreamSlot slot = quotas.openStream(caller);
    try {
      new SseHandler(page -> {
        page.keepAlive();
        monitor.live.subscribe(page, slot);
      }).handle(ctx);
    } catch (Exception | Error e) {
      slot.run();
      throw e;
    }
  }

  /**
   * {@code GET /api/answers/{id}?timeoutMs=N}: the question's trace with its answer, waiting up to N ms (default
   * 30 s) for it; 408 when the question is known but not answered in time, 404 when the page does not know it.
   */
  private void answer(Context ctx) {
    access.require(ctx, Role.WATCH);
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

  /**
   * {@code POST /api/feedback}: produces the label of an answered question, 200 once the broker has it. Under
   * {@code web.auth=tokens} the labeller is the token's name: a body naming someone else is refused.
   */
  private void label(Context ctx) {
    Caller caller = access.require(ctx, Role.LABEL);
    quotas.label(caller);
    FeedbackRequest request = FeedbackRequest.parse(RequestBody.json(ctx, maxBodyBytes)).labelledBy(caller);
    TraceView trace = monitor.live.trace(request.questionId())
        .orElseThrow(() -> new ApiException(HttpStatus.NOT_FOUND, unknownQuestion(request.questionId())));
    Feedback feedback = request.toFeedback(trace, monitor.clock.instant());
    whenAcknowledged(ctx, monitor.submissions.label(feedback), monitor.config.topics().feedback(), metadata -> {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("questionId", feedback.getQuestionId());
      body.put("verdict", feedback.getVerdict().name());
      body.put("stepVerdicts", feedback.getStepVerdicts().size());
      body.put("shadow", feedback.getShadow());
      body.put("partition", metadata.partition());
      body.put("offset", metadata.offset());
      ctx.json(body);
    });
  }

  private String unknownQuestion(String id) {
    return "no question " + id + " among the last " + monitor.config.web().recentQuestions()
        + " questions this server has followed since it started (web.recent-questions)";
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
