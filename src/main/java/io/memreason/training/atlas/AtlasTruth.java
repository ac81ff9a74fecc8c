package io.memreason.training.atlas;

import io.memreason.reasoning.StepKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * What the atlas world says in place of a wrong step, and, for a control, a wrong step that looks right: the
 * corrections of {@code bench repair} and the facts the demo's memory verifier checks memory steps against.
 */
public final class AtlasTruth {
  /** A True/False conclusion and its opposite, both ways. */
  private static final Map<Claim, Claim> OPPOSITES = opposites(
      Claim.OLDER, Claim.NOT_OLDER, Claim.BORN_IN, Claim.NOT_BORN_IN,
      Claim.SAME_BIRTH_CITY, Claim.NOT_SAME_BIRTH_CITY, Claim.SAME_COUNTRY, Claim.NOT_SAME_COUNTRY,
      Claim.SAME_MATERIAL, Claim.NOT_SAME_MATERIAL, Claim.LIVES_WHERE_BORN, Claim.NOT_LIVES_WHERE_BORN);

  private final AtlasWorld world;
  private final StepJudge judge;

  public AtlasTruth(AtlasWorld world) {
    this.world = world;
    this.judge = new StepJudge(world);
  }

  /** Whether a memory or reason step states only what is true in the world. */
  public boolean isTrue(StepKind kind, String text) {
    return judge.judge(kind, text).isCorrect();
  }

  /**
   * The world's fact about what a memory step states: the fact of the same relation about the same subject, e.g.
   * "Ilva was born in Tarsen." for "Ilva was born in Varnok." (or for "Ilva was born in Molvia.", a country). Empty
   * when the step does not read as a statement of a base relation, or its subject has no fact of that relation.
   */
  public Optional<Fact> factAbout(String memoryStep) {
    return judge.statements(StepKind.MEMORY, memoryStep).filter(s -> s.size() == 1).map(s -> s.get(0))
        .flatMap(statement -> relationOf(statement.claim())
            .flatMap(relation -> Optional.ofNullable(world.facts().get(Fact.id(relation, statement.a())))));
  }

  /**
   * The true step in place of a wrong one of a trace answering {@code question}: a memory step becomes the fact it
   * got wrong (or, when it reads as no fact, the gold trace's memory step at its place); a reason step becomes the
   * gold trace's reason step, which restates the recalled facts and draws the right conclusion. Empty when there is
   * no such step.
   */
  public Optional<String> correction(AtlasQuestion question, StepKind kind, int index, String text) {
    return switch (kind) {
      case MEMORY -> factAbout(text).map(Fact::sentence)
          .filter(fact -> !fact.equals(text.strip()))
          .or(() -> goldStep(question, index).filter(gold -> gold.kind() == StepKind.MEMORY).map(GoldStep::text));
      case REASON -> question.cotSteps().stream().filter(s -> s.startsWith(AtlasQuestions.REASON_LABEL))
          .reduce((first, second) -> second).map(s -> s.substring(AtlasQuestions.REASON_LABEL.length()));
      case ASSIGNMENT, ANSWER -> Optional.empty();
    };
  }

  /**
   * A false step of the same shape as a true one, for a control: a memory step's fact with another value of the same
   * kind ("Ilva was born in Varnok."), a reason step with its conclusion made false, turned into its opposite for a
   * True/False question and given another value of the same kind otherwise. Empty when the step reads as no atlas
   * statement or there is no other value to give it.
   */
  public Optional<String> falsehood(AtlasQuestion question, StepKind kind, String text, Random random) {
    return judge.statements(kind, text).flatMap(statements -> switch (kind) {
      case MEMORY -> statements.size() == 1 ? otherValue(statements.get(0), random).map(Statement::sentence)
          : Optional.empty();
      case REASON -> {
        Statement conclusion = statements.get(statements.size() - 1);
        Optional<Statement> falseConclusion = question.isTrueOrFalse() && OPPOSITES.containsKey(conclusion.claim())
            ? Optional.of(new Statement(OPPOSITES.get(conclusion.claim()), conclusion.a(), conclusion.b()))
            : otherValue(conclusion, random);
        yield statements.size() < 2 ? Optional.empty() : falseConclusion.map(c ->
            AtlasQuestions.reasonSentence(statements.subList(0, statements.size() - 1), c));
      }
      case ASSIGNMENT, ANSWER -> Optional.empty();
    }).filter(step -> !judge.judge(kind, step).isCorrect());
  }

  /** The statement with its second name replaced by another name of the same kind that makes it false. */
  private Optional<Statement> otherValue(Statement statement, Random random) {
    if (statement.b() == null) {
      return Optional.empty();
    }
    Optional<EntityKind> kind = world.kindOf(statement.b());
    if (kind.isEmpty()) {
      return Optional.empty();
    }
    List<Statement> falseOnes = new ArrayList<>();
    for (String name : world.names(kind.get())) {
      Statement other = new Statement(statement.claim(), statement.a(), name);
      if (!name.equals(statement.b()) && !name.equals(statement.a()) && !other.holdsIn(world)) {
        falseOnes.add(other);
      }
    }
    return falseOnes.isEmpty() ? Optional.empty() : Optional.of(falseOnes.get(random.nextInt(falseOnes.size())));
  }

  /** A step of the question's gold trace. */
  private record GoldStep(StepKind kind, String text) {}

  private static Optional<GoldStep> goldStep(AtlasQuestion question, int index) {
    if (index >= question.cotSteps().size()) {
      return Optional.empty();
    }
    String step = question.cotSteps().get(index);
    if (step.startsWith(AtlasQuestions.MEMORY_LABEL)) {
      return Optional.of(new GoldStep(StepKind.MEMORY, step.substring(AtlasQuestions.MEMORY_LABEL.length())));
    }
    return step.startsWith(AtlasQuestions.REASON_LABEL)
        ? Optional.of(new GoldStep(StepKind.REASON, step.substring(AtlasQuestions.REASON_LABEL.length())))
        : Optional.empty();
  }

  private static Optional<Relation> relationOf(Claim claim) {
    return Arrays.stream(Relation.values()).filter(r -> Claim.of(r) == claim).findFirst();
  }

  private static Map<Claim, Claim> opposites(Claim... pairs) {
    EnumMap<Claim, Claim> both = new EnumMap<>(Claim.class);
    for (int i = 0; i < pairs.length; i += 2) {
      both.put(pairs[i], pairs[i + 1]);
      both.put(pairs[i + 1], pairs[i]);
    }
    return both;
  }
}
