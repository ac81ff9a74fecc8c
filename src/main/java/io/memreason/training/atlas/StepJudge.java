package io.memreason.training.atlas;

import io.memreason.reasoning.StepKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Judges the memory and reason steps a model writes against the atlas world, for step-level accuracy: a memory
 * step must state one true statement ("Ilva was born in Tarsen."); a reason step states premises and a conclusion
 * ("Ilva was born in Tarsen and Tarsen is in Molvia, so Ilva was born in Molvia.") and is correct when all of them
 * are true. Only truth is checked, not whether the conclusion follows from the premises: with this world's
 * templates a true conclusion after true premises is the right one in practice.
 *
 * <p>Steps are read word by word, as the tokenizer splits them, so spacing and a final newline do not matter.
 */
public final class StepJudge {

  private final AtlasWorld world;

  public StepJudge(AtlasWorld world) {
    this.world = world;
  }

  /**
   * Judges one step's text (without its step tokens).
   *
   * @throws IllegalArgumentException for answer and assignment steps, which state nothing about the world
   */
  public StepJudgement judge(StepKind kind, String text) {
    return statements(kind, text).map(this::judge).orElse(StepJudgement.UNREADABLE);
  }

  /**
   * The statements a step makes, in order: a memory step's one statement, a reason step's premises and then its
   * conclusion; empty when a clause has the form of no atlas statement.
   *
   * @throws IllegalArgumentException for answer and assignment steps, which state nothing about the world
   */
  public Optional<List<Statement>> statements(StepKind kind, String text) {
    List<String> words = new ArrayList<>(WordLevelTokenizerJson.words(text));
    words.removeIf(word -> word.equals("\n"));
    if (!words.isEmpty() && words.get(words.size() - 1).equals(".")) {
      words.remove(words.size() - 1);
    }
    List<List<String>> clauses = switch (kind) {
      case MEMORY -> List.of(words);
      case REASON -> reasonClauses(words);
      case ANSWER, ASSIGNMENT -> throw new IllegalArgumentException(
          "only memory and reason steps state facts of the atlas world; got a " + kind + " step: " + text);
    };
    List<Statement> statements = new ArrayList<>();
    for (List<String> clause : clauses) {
      Optional<Statement> statement = Statement.read(clause);
      if (statement.isEmpty()) {
        return Optional.empty();
      }
      statements.add(statement.get());
    }
    return Optional.of(statements);
  }

  /** "p1, p2 and p3, so c" → [p1, p2, p3, c]; a step without ", so" is one clause. */
  private static List<List<String>> reasonClauses(List<String> words) {
    int so = -1;
    for (int i = 0; i + 1 < words.size(); i++) {
      if (words.get(i).equals(",") && words.get(i + 1).equals("so")) {
        so = i;
      }
    }
    if (so < 0) {
      return List.of(words);
    }
    List<List<String>> clauses = new ArrayList<>();
    List<String> clause = new ArrayList<>();
    for (String word : words.subList(0, so)) {
      // Premises are base facts, whose clauses never contain "and" or a comma.
      if (word.equals(",") || word.equals("and")) {
        clauses.add(clause);
        clause = new ArrayList<>();
      } else {
        clause.add(word);
      }
    }
    clauses.add(clause);
    clauses.add(words.subList(so + 2, words.size()));
    return clauses;
  }

  private StepJudgement judge(List<Statement> statements) {
    return statements.stream().allMatch(statement -> statement.holdsIn(world))
        ? StepJudgement.CORRECT : StepJudgement.WRONG;
  }
}
