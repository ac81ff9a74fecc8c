package io.memreason.reasoning;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the steps of a trace from generated text while it is being generated, and hands each step out as soon
 * as it is complete.
 *
 * <p>A step is opened by a kind group ({@code <memory_i>} or the older {@code <rag_i>}, {@code <reason_i>},
 * {@code <assignment_i>}, {@code <answer_i>}) that follows a prefix group ({@code <prefix_i>}), and it ends where
 * the next prefix group starts; the last step ends with the text. Any number of tokens per group and any spacing
 * between them is accepted, so the spaced Llama-3 form ({@code <prefix_0> <prefix_1> <memory_0>}) and the
 * unspaced Llama-2 form ({@code <prefix_0><prefix_1><rag_0>}) read the same. What does not fit that shape is not
 * a step and is skipped: the prompt before the first step, text after a prefix group that no kind group follows
 * (a model that lost its step tokens writes only that), and kind tokens outside a step. A kind token inside a
 * step's text (Llama-2 sometimes writes {@code un<reason_0>able} for "unreasonable") stays in the text.
 *
 * <p>Not thread-safe: one parser per generation, fed from one thread.
 */
public final class TraceParser {

  private static final List<String> TOKEN_NAMES = List.of("prefix", "memory", "rag", "reason", "assignment", "answer");
  /** Any step token this parser reads as one, of any index. */
  static final Pattern STEP_TOKEN = Pattern.compile("<(" + String.join("|", TOKEN_NAMES) + ")_\\d+>");
  /** The shape of a step token that a chunk boundary has cut: {@code <pre} or {@code <prefix_1}. */
  private static final Pattern UNFINISHED_TOKEN = Pattern.compile("<([a-z]*)(_\\d{0,9})?");

  private enum State {
    /** Outside any step: before the first prefix group, or in text that no kind group announced. */
    OUTSIDE,
    /** A prefix group was written; a kind group should follow. */
    AFTER_PREFIX,
    /** Inside a step opened by a kind group. */
    IN_STEP,
    /** {@link #finish()} was called. */
    FINISHED
  }

  private final StringBuilder pending = new StringBuilder();
  private final StringBuilder stepText = new StringBuilder();
  private State state;
  private StepKind stepKind;
  private StepKind lastCompletedKind;

  private TraceParser(State start) {
    this.state = start;
  }

  /**
   * A parser for the text a model generates after the inference prompt, which already ends with the prefix
   * group: the generation starts with the first step's kind group.
   */
  public static TraceParser forGeneration() {
    return new TraceParser(State.AFTER_PREFIX);
  }

  /** A parser for prompt plus generation (the reference's output files): the prompt is skipped. */
  public static TraceParser forFullText() {
    return new TraceParser(State.OUTSIDE);
  }

  /**
   * Reads the next chunk of generated text.
   *
   * @return the steps this chunk completed, in order (usually none or one)
   */
  public List<StepText> accept(String chunk) {
    if (state == State.FINISHED) {
      throw new IllegalStateException("the trace parser was already finished; use a new parser per generation");
    }
    pending.append(chunk);
    List<StepText> completed = new ArrayList<>();
    Matcher token = STEP_TOKEN.matcher(pending);
    int consumed = 0;
    while (token.find()) {
      text(pending.subSequence(consumed, token.start()));
      stepToken(token.group(), token.group(1), completed);
      consumed = token.end();
    }
    int keep = unfinishedTokenStart(consumed);
    text(pending.subSequence(consumed, keep));
    pending.delete(0, keep);
    return completed;
  }

  /**
   * Ends the text: completes the last step, also when it was cut off.
   *
   * @return the last step, if the text ended inside one, and whether the trace was truncated, i.e. did not end
   *     with an answer step
   */
  public Ending finish() {
    if (state == State.FINISHED) {
      throw new IllegalStateException("the trace parser was already finished");
    }
    text(pending);
    pending.setLength(0);
    Optional<StepText> last = Optional.empty();
    if (state == State.IN_STEP) {
      last = Optional.of(completeStep());
    }
    state = State.FINISHED;
    return new Ending(last, lastCompletedKind != StepKind.ANSWER);
  }

  /**
   * How a text ended.
   *
   * @param lastStep the step that was still open when the text ended
   * @param truncated true when the text did not end with an answer step (cut off, or the model never answered)
   */
  public record Ending(Optional<StepText> lastStep, boolean truncated) {}

  private void text(CharSequence text) {
    if (text.isEmpty()) {
      return;
    }
    switch (state) {
      case IN_STEP -> stepText.append(text);
      case AFTER_PREFIX -> {
        if (!text.toString().isBlank()) {
          state = State.OUTSIDE;
        }
      }
      default -> { }
    }
  }

  private void stepToken(String token, String name, List<StepText> completed) {
    if (name.equals("prefix")) {
      if (state == State.IN_STEP) {
        completed.add(completeStep());
      }
      state = State.AFTER_PREFIX;
      return;
    }
    if (state == State.AFTER_PREFIX) {
      state = State.IN_STEP;
      stepKind = kindOf(name);
      stepText.setLength(0);
    } else if (state == State.IN_STEP && !isBlank(stepText)) {
      stepText.append(token);
    }
    // Otherwise: the rest of the step's kind group (the first token decides the kind), or a stray kind token
    // outside any step.
  }

  private StepText completeStep() {
    lastCompletedKind = stepKind;
    return new StepText(stepKind, stepText.toString().strip());
  }

  private static StepKind kindOf(String name) {
    return switch (name) {
      case "memory", "rag" -> StepKind.MEMORY;
      case "reason" -> StepKind.REASON;
      case "assignment" -> StepKind.ASSIGNMENT;
      case "answer" -> StepKind.ANSWER;
      default -> throw new IllegalArgumentException("not a step kind token: " + name);
    };
  }

  /**
   * Where the end of the pending text that must wait for the next chunk starts: the start of a step token the
   * chunk boundary has cut, or the end of the text when there is none.
   */
  private int unfinishedTokenStart(int from) {
    int lastOpen = pending.lastIndexOf("<");
    if (lastOpen < from) {
      return pending.length();
    }
    Matcher tail = UNFINISHED_TOKEN.matcher(pending).region(lastOpen, pending.length());
    if (!tail.matches()) {
      return pending.length();
    }
    String name = tail.group(1);
    boolean mayBecomeToken = tail.group(2) == null
        ? TOKEN_NAMES.stream().anyMatch(n -> n.startsWith(name))
        : TOKEN_NAMES.contains(name);
    return mayBecomeToken ? lastOpen : pending.length();
  }

  private static boolean isBlank(CharSequence text) {
    return text.chars().allMatch(Character::isWhitespace);
  }
}
