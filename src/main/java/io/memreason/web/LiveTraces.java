package io.memreason.web;

import com.google.gson.Gson;
import io.javalin.http.sse.SseClient;
import io.memreason.avro.Answer;
import io.memreason.avro.Feedback;
import io.memreason.avro.ModelAccuracy;
import io.memreason.avro.ModelVersion;
import io.memreason.avro.Question;
import io.memreason.avro.ReasoningStep;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The live state behind the page: the recent traces and the header figures, updated from the records the
 * {@link TopicFollower} hands over and pushed to every open page as server-sent events — a {@code trace} event with
 * a question's whole {@link TraceView} whenever it changes, a {@code figures} event every second.
 */
final class LiveTraces implements TopicFollower.Listener {
  private static final String TRACE_EVENT = "trace";
  private static final String FIGURES_EVENT = "figures";
  private static final Duration FIGURES_INTERVAL = Duration.ofSeconds(1);
  private static final Gson GSON = new Gson();

  private final RecentTraces traces;
  private final LiveFigures figures;
  private final EventStream stream = new EventStream();
  private final Clock clock;
  private final List<Consumer<String>> answeredListeners = new CopyOnWriteArrayList<>();
  private long figuresSentAt;

  LiveTraces(int recentQuestions, Clock clock) {
    this.traces = new RecentTraces(recentQuestions);
    this.figures = new LiveFigures(clock);
    this.clock = clock;
  }

  /** A revision also links its original, if the page shows that one. */
  @Override
  public void onQuestion(Question q) {
    changed(q.getId(), t -> t.withQuestion(q));
    if (q.getRevises() != null && traces.get(q.getRevises().getQuestionId()).isPresent()) {
      changed(q.getRevises().getQuestionId(), t -> t.withRevision(q.getId()));
    }
  }

  @Override
  public void onStep(ReasoningStep step) {
    changed(step.getQuestionId(), t -> t.withStep(step));
  }

  @Override
  public void onAnswer(Answer answer) {
    figures.onAnswer(answer.getModelVersion(), answer.getLatencyMs());
    changed(answer.getQuestionId(), t -> t.withAnswer(answer));
    if (answer.getRevises() != null && traces.get(answer.getRevises().getQuestionId()).isPresent()) {
      changed(answer.getRevises().getQuestionId(), t -> t.withRevision(answer.getQuestionId()));
    }
    answeredListeners.forEach(l -> l.accept(answer.getQuestionId()));
  }

  /**
   * A candidate's shadow answer goes beside the served answer of a question the page shows; it counts in no figure of
   * the traffic (the served answers do) and wakes no one waiting for the answer.
   */
  @Override
  public void onShadowAnswer(Answer answer) {
    if (traces.get(answer.getQuestionId()).isPresent()) {
      changed(answer.getQuestionId(), t -> t.withShadowAnswer(answer));
    }
  }

  /** Tells {@code listener} the id of every question answered from now on. */
  void onAnswered(Consumer<String> listener) {
    answeredListeners.add(listener);
  }

  /** Labels of questions the page does not show (older ones, or never followed) have nothing to attach to. */
  @Override
  public void onFeedback(Feedback feedback) {
    if (traces.get(feedback.getQuestionId()).isPresent()) {
      changed(feedback.getQuestionId(), t -> t.withLabel(feedback));
    }
  }

  @Override
  public void onAccuracy(String modelVersion, ModelAccuracy accuracy) {
    figures.onAccuracy(modelVersion, accuracy);
    publishFigures();
  }

  @Override
  public void onModelVersion(String modelVersion, ModelVersion announced) {
    figures.onModelVersion(modelVersion, announced);
    publishFigures();
  }

  @Override
  public void afterPoll() {
    if (clock.millis() - figuresSentAt >= FIGURES_INTERVAL.toMillis()) {
      publishFigures();
    }
  }

  /** A change and its event happen together, so a page subscribing meanwhile sees it once: replayed or pushed. */
  private synchronized void changed(String id, UnaryOperator<TraceView> change) {
    TraceView updated = traces.update(id, change);
    stream.publish(new EventStream.Event(TRACE_EVENT, GSON.toJson(updated)));
  }

  synchronized void publishFigures() {
    figuresSentAt = clock.millis();
    stream.publish(figuresEvent());
  }

  /**
   * A new page: every recent trace, oldest first, then the figures; then the events that follow.
   *
   * @param onClose runs once when the page's stream ends
   */
  synchronized void subscribe(SseClient page, Runnable onClose) {
    List<EventStream.Event> replay = new ArrayList<>();
    traces.all().forEach(t -> replay.add(new EventStream.Event(TRACE_EVENT, GSON.toJson(t))));
    replay.add(figuresEvent());
    stream.subscribe(page, replay, onClose);
  }

  private EventStream.Event figuresEvent() {
    return new EventStream.Event(FIGURES_EVENT, GSON.toJson(figures.now()));
  }

  Optional<TraceView> trace(String id) {
    return traces.get(id);
  }

  /** See {@link RecentTraces#answered}. */
  CompletableFuture<Optional<TraceView>> answered(String id, Duration timeout) {
    return traces.answered(id, timeout);
  }

  void disconnectPages() {
    stream.close();
  }
}
