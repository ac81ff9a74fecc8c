package io.memreason.reasoning;

import io.memreason.llm.generate.Completion;
import io.memreason.llm.generate.FinishReason;
import io.memreason.llm.generate.TokenListener;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns one request's token stream into its trace: the request's given steps first (indexes 0..n-1, flagged given),
 * then the generated ones: feeds the stable text to a {@link TraceParser}, stamps each completed step with its token
 * count and timing, hands it to the {@link TraceListener}, and at the end builds the {@link Trace} with the task's
 * label. Runs on the generator's worker thread, one instance per request.
 */
final class TraceAssembler implements TokenListener {
  private final ReasoningRequest request;
  private final String modelVersion;
  private final TraceListener listener;
  private final Clock clock;
  private final TraceParser parser = TraceParser.forGeneration();
  private final List<Step> steps = new ArrayList<>();
  private int tokensInStep;
  private Instant stepStartedAt;
  private boolean givenStepsEmitted;

  TraceAssembler(ReasoningRequest request, String modelVersion, TraceListener listener, Clock clock) {
    this.request = request;
    this.modelVersion = modelVersion;
    this.listener = listener;
    this.clock = clock;
  }

  @Override
  public void onToken(int tokenId, String newText) {
    Instant now = clock.instant();
    emitGivenSteps(now);
    // The token that completes a step is the next step's first prefix token: it belongs to the new step.
    for (StepText completed : parser.accept(newText)) {
      emit(completed, now);
    }
    if (stepStartedAt == null) {
      stepStartedAt = now;
    }
    tokensInStep++;
  }

  @Override
  public void onFinished(Completion completion) {
    Instant now = clock.instant();
    emitGivenSteps(now);
    TraceParser.Ending ending = parser.finish();
    ending.lastStep().ifPresent(last -> emit(last, now));
    Trace.Status status = switch (completion.reason()) {
      case EOS -> Trace.Status.OK;
      case MAX_NEW_TOKENS, MAX_LENGTH -> Trace.Status.TRUNCATED;
      case FAILED -> Trace.Status.FAILED;
    };
    Optional<String> error = completion.reason() == FinishReason.FAILED
        ? Optional.of(completion.error().map(TraceAssembler::describe).orElse("generation failed"))
        : Optional.empty();
    // The label comes from what the model wrote, never from the prompt: a question that writes "The answer is: X"
    // must not answer itself. (The reference scores prompt plus generation; `eval` and `score` still do.)
    Optional<String> label = status == Trace.Status.FAILED
        ? Optional.empty() : request.task().label(completion.text());
    listener.onFinished(new Trace(request.id(), List.copyOf(steps), label, status, error,
        completion.promptTokens(), completion.generatedTokens(), modelVersion, now));
  }

  /** The request's given steps are the trace's first steps; they go out as soon as generation starts. */
  private void emitGivenSteps(Instant now) {
    if (givenStepsEmitted) {
      return;
    }
    givenStepsEmitted = true;
    for (StepText given : request.givenSteps()) {
      Step step = Step.given(steps.size(), given, now);
      steps.add(step);
      listener.onStep(step);
    }
  }

  private void emit(StepText text, Instant now) {
    Step step = new Step(steps.size(), text.kind(), text.text(), tokensInStep,
        stepStartedAt == null ? now : stepStartedAt, now);
    steps.add(step);
    tokensInStep = 0;
    stepStartedAt = null;
    listener.onStep(step);
  }

  private static String describe(Throwable t) {
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
