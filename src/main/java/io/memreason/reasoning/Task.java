package io.memreason.reasoning;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The answer format a question follows: how options are written into the question and how the answer label is
 * extracted from the generated text. The benchmark rules reproduce the reference evaluator exactly, quirks
 * included, so that scores compare with the paper's.
 */
public enum Task {
  /** Free-form: no label is extracted. */
  OPEN,
  /** True/False answers. */
  STRATEGYQA,
  /** Letters A-E. */
  COMMONSENSEQA,
  /** Letters A-N. */
  TRUTHFULQA,
  /** The generated "atlas" world of the default model: a short word or name. */
  ATLAS;

  /** The phrase the answer step starts with. */
  public static final String ANSWER_PHRASE = "The answer is:";

  /* Python's re.IGNORECASE on a str pattern folds Unicode case, hence UNICODE_CASE. */
  private static final Pattern TRUE_FALSE_OR_NUMBER =
      Pattern.compile("The answer is: (-?[0-9.,]+|true|false)", Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
  private static final String OPTION_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

  /**
   * The answer label in a text, empty when there is none (an invalid answer).
   *
   * <ul>
   *   <li>STRATEGYQA: the first match of {@code The answer is: (-?[0-9.,]+|true|false)}, matched case-insensitively,
   *       commas removed. The label keeps the model's case; the gold label is "True"/"False", so "true" is wrong.
   *   <li>COMMONSENSEQA (A-E), TRUTHFULQA (A-N): if the text contains "The answer is:", the first letter of the
   *       set in the upper-cased text after its last occurrence; otherwise the last letter of the set in the
   *       whole upper-cased text. ("The answer is: Option D" gives 'I' for TruthfulQA, as in the reference.)
   *   <li>ATLAS: the text after the first "The answer is:" up to the end of the line, trimmed, without a final
   *       period.
   *   <li>OPEN: never a label.
   * </ul>
   *
   * @param text what the reference evaluates: the prompt followed by the generation
   */
  public Optional<String> label(String text) {
    return switch (this) {
      case OPEN -> Optional.empty();
      case STRATEGYQA -> trueFalseOrNumber(text);
      case COMMONSENSEQA, TRUTHFULQA -> optionLetter(text, letters());
      case ATLAS -> lineAfterPhrase(text);
    };
  }

  /**
   * The label of a gold answer as the reference computes it: extracted by {@link #label} from the answer line the
   * training template writes.
   *
   * @throws IllegalArgumentException if the answer has no label in this task's format (or the task has no labels)
   */
  public String goldLabel(String answer) {
    return label(" " + ANSWER_PHRASE + " " + answer + "\n").orElseThrow(() -> new IllegalArgumentException(
        "gold answer '" + answer + "' is not a valid " + name().toLowerCase(Locale.ROOT) + " answer"));
  }

  /** Whether a text's label equals the gold answer's label; a text without a label is wrong. */
  public boolean isCorrect(String text, String goldAnswer) {
    String gold = goldLabel(goldAnswer);
    return label(text).map(gold::equals).orElse(false);
  }

  /**
   * The question with its options written in the way this task's dataset writes them, so the model sees what it
   * was trained on: TruthfulQA {@code "q A. x B. y"}, every other task CommonsenseQA's
   * {@code "q Options: A.x B.y "} (with the dataset's final space). No options: the question unchanged.
   */
  public String withOptions(String question, List<String> options) {
    if (options.isEmpty()) {
      return question;
    }
    String letters = letters();
    if (options.size() > letters.length()) {
      throw new IllegalArgumentException(name().toLowerCase(Locale.ROOT) + " questions take at most "
          + letters.length() + " options, got " + options.size());
    }
    StringBuilder written = new StringBuilder(question);
    if (this == TRUTHFULQA) {
      for (int i = 0; i < options.size(); i++) {
        written.append(' ').append(letters.charAt(i)).append(". ").append(options.get(i));
      }
      return written.toString();
    }
    written.append(" Options:");
    for (int i = 0; i < options.size(); i++) {
      written.append(' ').append(letters.charAt(i)).append('.').append(options.get(i));
    }
    return written.append(' ').toString();
  }

  /** A task by name, ignoring case ({@code strategyqa}, {@code STRATEGYQA}). */
  public static Task fromName(String name) {
    return Arrays.stream(values()).filter(t -> t.name().equalsIgnoreCase(name.strip())).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown task '" + name + "': use one of "
            + Arrays.stream(values()).map(t -> t.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "))));
  }

  /** The option letters this task's answers may take. */
  private String letters() {
    return switch (this) {
      case COMMONSENSEQA -> OPTION_LETTERS.substring(0, 5);
      case TRUTHFULQA -> OPTION_LETTERS.substring(0, 14);
      default -> OPTION_LETTERS;
    };
  }

  private static Optional<String> trueFalseOrNumber(String text) {
    Matcher m = TRUE_FALSE_OR_NUMBER.matcher(text);
    return m.find() ? Optional.of(m.group(1).strip().replace(",", "")) : Optional.empty();
  }

  private static Optional<String> optionLetter(String text, String letters) {
    int phrase = text.lastIndexOf(ANSWER_PHRASE);
    if (phrase >= 0) {
      String tail = text.substring(phrase + ANSWER_PHRASE.length()).toUpperCase(Locale.ROOT);
      return tail.chars().filter(c -> letters.indexOf(c) >= 0).mapToObj(Character::toString).findFirst();
    }
    String upper = text.toUpperCase(Locale.ROOT);
    for (int i = upper.length() - 1; i >= 0; i--) {
      if (letters.indexOf(upper.charAt(i)) >= 0) {
        return Optional.of(String.valueOf(upper.charAt(i)));
      }
    }
    return Optional.empty();
  }

  private static Optional<String> lineAfterPhrase(String text) {
    int phrase = text.indexOf(ANSWER_PHRASE);
    if (phrase < 0) {
      return Optional.empty();
    }
    String rest = text.substring(phrase + ANSWER_PHRASE.length());
    int newline = rest.indexOf('\n');
    String line = (newline < 0 ? rest : rest.substring(0, newline)).strip();
    if (line.endsWith(".")) {
      line = line.substring(0, line.length() - 1).strip();
    }
    return line.isEmpty() ? Optional.empty() : Optional.of(line);
  }
}
