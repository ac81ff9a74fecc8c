package io.memreason.pipeline;

import io.memreason.avro.Knowledge;
import io.memreason.avro.KnownFact;
import io.memreason.reasoning.MemoryVerifier;
import io.memreason.reasoning.Verification;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The memory verifier of the knowledge topic ({@code topics.knowledge}): facts by subject, each a statement and the
 * part of it that is its value ("Marie Curie was born in Warsaw." with object "Warsaw").
 *
 * <p>A memory step is read as one fact sentence. Every run of up to {@value #MAX_SUBJECT_WORDS} words in it is looked
 * up as a subject. A fact of a subject found applies to the step when the step says the fact's statement with some
 * value in the object's place (words compared without regard to case, a final period or other sentence mark
 * ignored): that value is the object → SUPPORTED; another value of at most {@value #MAX_VALUE_WORDS} words without
 * punctuation → CONTRADICTED, the statement being the correct fact. A value that starts with the object and goes on,
 * or that holds punctuation, is more than the fact says and decides nothing. No fact that applies → UNKNOWN. Any
 * supporting fact wins over a contradicting one.
 */
public final class KnowledgeVerifier implements MemoryVerifier {
  static final int MAX_SUBJECT_WORDS = 6;
  static final int MAX_VALUE_WORDS = 6;
  /** How verdicts name this verifier, followed by the facts' source when they have one. */
  public static final String NAME = "knowledge";

  private static final Pattern TOKEN = Pattern.compile("[\\p{L}\\p{N}]+(?:['’\\-][\\p{L}\\p{N}]+)*|\\S");
  private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}].*");
  private static final Set<String> SENTENCE_ENDS = Set.of(".", "!", "?", ";");

  /** A token of a text and where it is. */
  private record Token(String text, int start, int end) {
    boolean isWord() {
      return WORD.matcher(text).matches();
    }
  }

  private final Function<String, Optional<Knowledge>> knowledge;

  /** @param knowledge what is known about a subject, as the key of the knowledge topic names it */
  public KnowledgeVerifier(Function<String, Optional<Knowledge>> knowledge) {
    this.knowledge = knowledge;
  }

  @Override
  public Verification verify(String memoryStep) {
    List<Token> tokens = sentence(memoryStep);
    List<String> words = lower(tokens);
    Set<String> looked = new HashSet<>();
    Verification contradiction = null;
    for (int start = 0; start < tokens.size(); start++) {
      for (int end = start; end < Math.min(tokens.size(), start + MAX_SUBJECT_WORDS); end++) {
        if (!tokens.get(start).isWord() || !tokens.get(end).isWord()) {
          continue;
        }
        String subject = memoryStep.substring(tokens.get(start).start(), tokens.get(end).end());
        if (!looked.add(subject)) {
          continue;
        }
        Optional<Knowledge> known = knowledge.apply(subject);
        if (known.isEmpty()) {
          continue;
        }
        String verifier = known.get().getSource() == null ? NAME : NAME + ":" + known.get().getSource();
        for (KnownFact fact : known.get().getFacts()) {
          Optional<Boolean> says = agrees(words, fact);
          if (says.isPresent() && says.get()) {
            return Verification.supported(verifier);
          }
          if (says.isPresent() && contradiction == null) {
            contradiction = Verification.contradicted(fact.getStatement(), verifier);
          }
        }
      }
    }
    return contradiction != null ? contradiction : Verification.unknown(NAME);
  }

  /**
   * Whether the step's words say the fact (true), say it with another value (false), or are not about it (empty).
   */
  private static Optional<Boolean> agrees(List<String> step, KnownFact fact) {
    List<String> statement = lower(sentence(fact.getStatement()));
    List<String> object = lower(sentence(fact.getObject()));
    int at = lastIndexOf(statement, object);
    if (object.isEmpty() || at < 0) {
      return Optional.empty(); // a fact whose object is not in its statement says nothing checkable
    }
    List<String> before = statement.subList(0, at);
    List<String> after = statement.subList(at + object.size(), statement.size());
    if (step.size() <= before.size() + after.size() || !step.subList(0, before.size()).equals(before)
        || !step.subList(step.size() - after.size(), step.size()).equals(after)) {
      return Optional.empty();
    }
    List<String> value = step.subList(before.size(), step.size() - after.size());
    if (value.equals(object)) {
      return Optional.of(true);
    }
    boolean oneValue = value.size() <= MAX_VALUE_WORDS && value.stream().allMatch(w -> WORD.matcher(w).matches());
    boolean goesOn = value.size() > object.size() && value.subList(0, object.size()).equals(object);
    return oneValue && !goesOn ? Optional.of(false) : Optional.empty();
  }

  /** The tokens of a sentence without its final sentence mark. */
  private static List<Token> sentence(String text) {
    List<Token> tokens = new ArrayList<>();
    Matcher m = TOKEN.matcher(text);
    while (m.find()) {
      tokens.add(new Token(m.group(), m.start(), m.end()));
    }
    while (!tokens.isEmpty() && SENTENCE_ENDS.contains(tokens.get(tokens.size() - 1).text())) {
      tokens.remove(tokens.size() - 1);
    }
    return tokens;
  }

  private static List<String> lower(List<Token> tokens) {
    return tokens.stream().map(t -> t.text().toLowerCase(Locale.ROOT)).toList();
  }

  private static int lastIndexOf(List<String> words, List<String> part) {
    for (int i = words.size() - part.size(); i >= 0; i--) {
      if (words.subList(i, i + part.size()).equals(part)) {
        return i;
      }
    }
    return -1;
  }
}
