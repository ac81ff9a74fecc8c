package io.memreason.reasoning;

import java.util.List;
import java.util.regex.Matcher;

/**
 * The method's text template, shared by inference and training so the model is asked in exactly the form it
 * was trained on:
 *
 * <pre>
 *   question = "Question: " + q + "\n "
 *   prompt   = question + PREFIX                                          (inference)
 *   target   = for each step: PREFIX + KIND + " " + text + "\n"            (training)
 *              then PREFIX + ANSWER + " The answer is: " + answer + "\n"
 * </pre>
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

  /** The inference prompt of a request, its options written the way its task's dataset writes them. */
  public String prompt(ReasoningRequest request) {
    return prompt(request.task().withOptions(request.question(), request.options()));
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
      target.append(tokens.prefix()).append(tokens.group(step.kind())).append(' ').append(inert(step.text()))
          .append('\n');
    }
    return target.append(tokens.prefix()).append(tokens.group(StepKind.ANSWER))
        .append(' ').append(Task.ANSWER_PHRASE).append(' ').append(inert(answer)).append('\n').toString();
  }
}
