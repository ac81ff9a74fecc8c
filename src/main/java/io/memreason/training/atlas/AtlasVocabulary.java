package io.memreason.training.atlas;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/** Every word an atlas text can contain: the template words, the world's names, and the step-token words. */
final class AtlasVocabulary {

  /** The bare words the step tokens' embeddings start from (see method.md). */
  static final List<String> STEP_TOKEN_WORDS = List.of("prefix", "answer", "assignment", "reason", "memory");

  /** The fixed text the method's training template puts around a question, its steps and its answer. */
  private static final List<String> TRAINING_TEMPLATE = List.of("Question: \n", "The answer is: True False");

  private AtlasVocabulary() {}

  /** The words of every template: training format, questions, statements, step-token words (never names). */
  static Set<String> templateWords() {
    Set<String> words = new TreeSet<>(STEP_TOKEN_WORDS);
    Stream.of(
            TRAINING_TEMPLATE.stream(),
            Stream.of(Claim.values()).map(Claim::template),
            Stream.of(QuestionType.values()).flatMap(type -> type.phrasings().stream()),
            // Reason steps join clauses with commas, "and" and "so" (see AtlasQuestions).
            Stream.of(", and , so ."))
        .flatMap(templates -> templates)
        .map(template -> template.replace("{a}", " ").replace("{b}", " "))
        .forEach(template -> words.addAll(WordLevelTokenizerJson.words(template)));
    return words;
  }

  /** The vocabulary of {@code world}'s texts, without the special tokens: template words first, then names. */
  static List<String> of(AtlasWorld world) {
    LinkedHashSet<String> words = new LinkedHashSet<>(templateWords());
    world.entities().values().forEach(words::addAll);
    return new ArrayList<>(words);
  }
}
