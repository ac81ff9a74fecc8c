package io.memreason.pipeline;

import io.memreason.avro.Decoding;
import io.memreason.avro.GivenStep;
import io.memreason.avro.Question;
import io.memreason.avro.RevisedStep;
import io.memreason.avro.StepKind;
import io.memreason.config.MemreasonConfig;
import io.memreason.reasoning.Task;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What a question must be to be answered: the one set of rules behind both doors, the questions topic (a question
 * that breaks one is an INVALID dead letter) and {@code POST /api/questions} (a 400). Characters are Unicode code
 * points, so an emoji is one character, as a person counts it.
 *
 * <ul>
 *   <li>id: 1 to {@value #MAX_ID_CHARS} characters, not blank, no control characters;
 *   <li>text: not blank, Unicode blanks included (U+00A0, U+2007, U+202F, U+200B, U+FEFF, U+3000, ...);
 *   <li>options: as many as the task has letters, each not blank and at most {@value #MAX_OPTION_CHARS} characters;
 *   <li>given steps: at most {@value #MAX_GIVEN_STEPS}, each a memory, reason or assignment step whose text is not
 *       blank;
 *   <li>the question as the prompt writes it, options and given steps included: at most
 *       {@code pipeline.max-question-chars};
 *   <li>revises: the id of the question revised follows the rules of an id, the step index names a given step, the
 *       reason is at most {@value #MAX_REASON_CHARS} characters, the model version at most {@value #MAX_ID_CHARS},
 *       the depth at least 1;
 *   <li>decoding: temperature 0 to {@value #MAX_TEMPERATURE}, topP above 0 and at most 1, topK 0 to
 *       {@value #MAX_TOP_K}, maxNewTokens 1 to {@code engine.max-total-tokens}, any seed;
 *   <li>submittedAt: not before 1970 and at most a day ahead of the pipeline's clock (latencies are measured from it).
 * </ul>
 */
public final class QuestionLimits {
  public static final int MAX_ID_CHARS = 128;
  public static final int MAX_OPTION_CHARS = 500;
  public static final int MAX_GIVEN_STEPS = 64;
  public static final int MAX_REASON_CHARS = 2000;
  public static final int MAX_TEMPERATURE = 10;
  public static final int MAX_TOP_K = 1_000_000;
  /** How far ahead of the pipeline's clock a submission may be: producers' clocks drift, but not by years. */
  static final Duration MAX_CLOCK_AHEAD = Duration.ofDays(1);

  private final int maxQuestionChars;
  private final int maxTotalTokens;

  public QuestionLimits(int maxQuestionChars, int maxTotalTokens) {
    this.maxQuestionChars = maxQuestionChars;
    this.maxTotalTokens = maxTotalTokens;
  }

  public static QuestionLimits of(MemreasonConfig config) {
    return new QuestionLimits(config.pipeline().maxQuestionChars(), config.engine().maxTotalTokens());
  }

  /**
   * The first rule the question breaks, as one line that names the field, or empty when it may be answered.
   *
   * @param now the clock submission times are checked against
   */
  public Optional<String> problem(Question q, Instant now) {
    return firstOf(idProblem(q.getId()), givenStepsProblem(q.getGivenSteps()), textProblem(q),
        revisesProblem(q.getRevises(), q.getGivenSteps()), decodingProblem(q.getDecoding()),
        submittedAtProblem(q.getSubmittedAt(), now));
  }

  @SafeVarargs
  private static Optional<String> firstOf(Optional<String>... checks) {
    for (Optional<String> check : checks) {
      if (check.isPresent()) {
        return check;
      }
    }
    return Optional.empty();
  }

  private static Optional<String> idProblem(String id) {
    return idProblem("id", id);
  }

  private static Optional<String> idProblem(String field, String id) {
    if (id.isEmpty()) {
      return Optional.of(field + " is empty");
    }
    int chars = characters(id);
    if (chars > MAX_ID_CHARS) {
      return Optional.of(field + " has " + chars + " characters, more than " + MAX_ID_CHARS);
    }
    if (isBlank(id)) {
      return Optional.of(field + " is blank");
    }
    return id.codePoints().filter(Character::isISOControl).boxed().findFirst()
        .map(c -> field + " contains the control character " + String.format("U+%04X", c));
  }

  private static Optional<String> givenStepsProblem(List<GivenStep> steps) {
    if (steps == null) {
      return Optional.empty();
    }
    if (steps.size() > MAX_GIVEN_STEPS) {
      return Optional.of("givenSteps has " + steps.size() + " steps, more than " + MAX_GIVEN_STEPS);
    }
    for (int i = 0; i < steps.size(); i++) {
      StepKind kind = steps.get(i).getKind();
      if (kind != StepKind.MEMORY && kind != StepKind.REASON && kind != StepKind.ASSIGNMENT) {
        return Optional.of("givenSteps[" + i + "].kind is " + kind + ": a given step is MEMORY, REASON or ASSIGNMENT");
      }
      if (isBlank(steps.get(i).getText())) {
        return Optional.of("givenSteps[" + i + "].text is blank");
      }
    }
    return Optional.empty();
  }

  private static Optional<String> revisesProblem(RevisedStep revises, List<GivenStep> steps) {
    if (revises == null) {
      return Optional.empty();
    }
    int given = steps == null ? 0 : steps.size();
    if (revises.getStepIndex() < 0 || revises.getStepIndex() >= given) {
      return Optional.of("revises.stepIndex " + revises.getStepIndex() + " names no given step (the question has "
          + given + "): a revision's given steps end with the corrected step");
    }
    if (revises.getDepth() < 1) {
      return Optional.of("revises.depth must be at least 1, not " + revises.getDepth());
    }
    if (revises.getReason() != null && characters(revises.getReason()) > MAX_REASON_CHARS) {
      return Optional.of("revises.reason has " + characters(revises.getReason()) + " characters, more than "
          + MAX_REASON_CHARS);
    }
    if (revises.getModelVersion() != null && characters(revises.getModelVersion()) > MAX_ID_CHARS) {
      return Optional.of("revises.modelVersion has " + characters(revises.getModelVersion()) + " characters, more than "
          + MAX_ID_CHARS);
    }
    return idProblem("revises.questionId", revises.getQuestionId());
  }

  private Optional<String> textProblem(Question q) {
    if (isBlank(q.getText())) {
      return Optional.of("text is blank");
    }
    List<String> options = q.getOptions() == null ? List.of() : q.getOptions();
    for (int i = 0; i < options.size(); i++) {
      if (isBlank(options.get(i))) {
        return Optional.of("options[" + i + "] is blank");
      }
      int chars = characters(options.get(i));
      if (chars > MAX_OPTION_CHARS) {
        return Optional.of("options[" + i + "] has " + chars + " characters, more than " + MAX_OPTION_CHARS);
      }
    }
    Task task = q.getTask() == null ? Task.OPEN : Task.valueOf(q.getTask().name());
    String asked;
    try {
      asked = task.withOptions(q.getText(), options);
    } catch (IllegalArgumentException e) {
      return Optional.of("options: " + e.getMessage());
    }
    int chars = characters(asked);
    List<GivenStep> given = q.getGivenSteps() == null ? List.of() : q.getGivenSteps();
    for (GivenStep step : given) {
      chars += characters(step.getText());
    }
    if (chars > maxQuestionChars) {
      String what = options.isEmpty() && given.isEmpty() ? "text has "
          : given.isEmpty() ? "the question with its options has " : "the question with its given steps has ";
      return Optional.of(what + chars + " characters, more than pipeline.max-question-chars=" + maxQuestionChars);
    }
    return Optional.empty();
  }

  private Optional<String> decodingProblem(Decoding d) {
    if (d == null) {
      return Optional.empty();
    }
    if (d.getTemperature() != null && !(d.getTemperature() >= 0 && d.getTemperature() <= MAX_TEMPERATURE)) {
      return Optional.of("decoding.temperature must be between 0 and " + MAX_TEMPERATURE + ", not "
          + shown(d.getTemperature()));
    }
    if (d.getTopP() != null && !(d.getTopP() > 0 && d.getTopP() <= 1)) {
      return Optional.of("decoding.topP must be above 0 and at most 1 (1 keeps every token), not " + shown(d.getTopP()));
    }
    if (d.getTopK() != null && (d.getTopK() < 0 || d.getTopK() > MAX_TOP_K)) {
      return Optional.of("decoding.topK must be between 0 and " + MAX_TOP_K + ", not " + d.getTopK());
    }
    if (d.getMaxNewTokens() != null && (d.getMaxNewTokens() < 1 || d.getMaxNewTokens() > maxTotalTokens)) {
      return Optional.of("decoding.maxNewTokens must be between 1 and " + maxTotalTokens
          + " (engine.max-total-tokens), not " + d.getMaxNewTokens());
    }
    return Optional.empty();
  }

  private static Optional<String> submittedAtProblem(Instant submittedAt, Instant now) {
    if (submittedAt.isBefore(Instant.EPOCH)) {
      return Optional.of("submittedAt " + submittedAt + " is before 1970-01-01T00:00:00Z");
    }
    if (submittedAt.isAfter(now.plus(MAX_CLOCK_AHEAD))) {
      return Optional.of("submittedAt " + submittedAt + " is more than a day after the pipeline's clock (" + now
          + "): is the producer's clock right?");
    }
    return Optional.empty();
  }

  /** Characters as people count them: code points, not UTF-16 units. */
  public static int characters(String s) {
    return s.codePointCount(0, s.length());
  }

  /**
   * Whether a text shows nothing: every character a space of any kind, a control or format character
   * (U+200B, U+FEFF, ...), or one of the fillers that render as nothing (U+115F, U+1160, U+3164, U+FFA0, U+2800).
   */
  public static boolean isBlank(String s) {
    return s.codePoints().allMatch(QuestionLimits::isInvisible);
  }

  private static boolean isInvisible(int c) {
    return Character.isWhitespace(c) || Character.isSpaceChar(c) || Character.isISOControl(c)
        || Character.getType(c) == Character.FORMAT
        || c == 0x115F || c == 0x1160 || c == 0x3164 || c == 0xFFA0 || c == 0x2800;
  }

  private static String shown(float value) {
    return Float.isFinite(value) ? new BigDecimal(Float.toString(value)).stripTrailingZeros().toPlainString()
        : String.valueOf(value).toLowerCase(Locale.ROOT);
  }
}
