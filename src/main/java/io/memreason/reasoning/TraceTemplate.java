package io.memreason.reasoning;

import java.util.List;
import java.util.regex.Matcher;

/**
 * The method's text template, shared by inference and training so the model is asked in exactly the form it
 * was trained on:
 *
 * <pre>
 *   question = "Question: " + q + "\n "
 *   step     = PREFIX + KIND + " " + text + "\n"
 *   prompt   = question + step of each given step + PREFIX                 (inference)
 *   target   = step of each step + PREFIX + ANSWER + " The answer is: " + answer + "\n"    (training)
 * </pre>
 *
 * A request's given steps are written exactly as the model writes its own steps (and learned them), so the model
 * continues after them as if it had written them.
 *
 * A question that already starts with "Question: " (the CommonsenseQA files write it that way) is not given the
 * word twice.
 *
 * <p>Text from people (questions, options, corrected steps and answers) is made inert first: a step-token string
 * in it ({@code <prefix_0>}, {@code <answer_1>}, ...) has its {@code <} replaced by {@code ‹} (U+2039), so no
 * tokenizer reads it as a step token and the model never sees a user write its steps. Text without such a string
 * is left exactly as it is, and so are its token ids.
 */
public record TraceTemplate(StepTokens tokens) {

  private static final String QUESTION_WORD = "Question: ";
  /** What the {@code <} of a step-token string in people's text becomes. */
  private static final String INERT_OPEN = "\u2039";

  /** The question part of a training sequence (the part whose tokens the loss ignores). */
  public String question(String question) {
    String q = question.startsWith(QUESTION_WORD) ? question.substring(QUESTION_WORD.length()) : question;
    return QUESTION_WORD + inert(q) + "\n ";
  }

  /** The text with every step-token string in it made plain text ({@code <prefix_0>} becomes {@code ‹prefix_0>}). */
  public static String inert(String text) {
    return TraceParser.STEP_TOKEN.matcher(text).replaceAll(m -> Matcher.quoteReplacement(INERT_OPEN
        + m.group().substring(1)));
  }

  /** The inference prompt: the question, then the prefix group that asks the model for its first step. */
  public String prompt(String question) {
    return question(question) + tokens.prefix();
  }

  /**
   * The inference prompt of a request: its question with the options written the way its task's dataset writes them,
   * then its given steps, each on one line (a line break in a given step's text is written as a space), then the
   * prefix group that asks the model for the next step.
   */
  public String prompt(ReasoningRequest request) {
    StringBuilder prompt = new StringBuilder(question(request.task().withOptions(request.question(), request.options())));
    for (StepText given : request.givenSteps()) {
      appendStep(prompt, given.kind(), given.text().strip().replaceAll("\\R", " "));
    }
    return prompt.append(tokens.prefix()).toString();
  }

  /** How many step tokens a request's prompt holds: the prefix groups and the kind groups of its given steps. */
  public int stepTokensInPrompt(ReasoningRequest request) {
    int given = request.givenSteps().size();
    return tokens.prefixTokens() * (given + 1) + tokens.tokensPerKind() * given;
  }

  /**
   * What the model learns to write after the question: every step behind its step tokens, then the answer.
   *
   * @param steps memory, reason and assignment steps in order; step texts are written verbatim
   * @param answer the gold answer, e.g. "True" or "C"
   */
  public String target(List<StepText> steps, String answer) {
    StringBuilder target = new StringBuilder();
    for (StepText step : steps) {
      if (step.kind() == StepKind.ANSWER) {
        throw new IllegalArgumentException("the answer is written from the answer argument, not from a step: " + step);
      }
      appendStep(target, step.kind(), step.text());
    }
    return target.append(tokens.prefix()).append(tokens.group(StepKind.ANSWER))
        .append(' ').append(Task.ANSWER_PHRASE).append(' ').append(inert(answer)).append('\n').toString();
  }

  /** One step as the model writes it, behind its step tokens; the text is made inert. */
  private void appendStep(StringBuilder text, StepKind kind, String stepText) {
    text.append(tokens.prefix()).append(tokens.group(kind)).append(' ').append(inert(stepText)).append('\n');
  }
}
