package io.memreason.training.atlas;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Every shape of statement that a step of an atlas trace makes, with the rule that decides whether it is true.
 * The base relations state facts; the others are what reason steps conclude. Traces are written from these
 * templates and {@link StepJudge} reads steps back with them, so the two cannot drift apart.
 */
public enum Claim {
  PART_OF(Relation.PART_OF.template(), (world, a, b) -> world.isWithin(a, b) && !a.equals(b)),
  LOCATED_IN(Relation.LOCATED_IN.template(), (world, a, b) -> world.isWithin(a, b) && !a.equals(b)),
  NOT_LOCATED_IN("{a} is not in {b}", (world, a, b) -> world.isPlace(a) && world.isPlace(b) && !world.isWithin(a, b)),
  /** Also true of the country and continent of the birth city: "Ilva was born in Molvia". */
  BORN_IN(Relation.BORN_IN.template(), (world, a, b) -> is(world.object(Relation.BORN_IN, a), city -> world.isWithin(city, b))),
  NOT_BORN_IN("{a} was not born in {b}",
      (world, a, b) -> world.isPlace(b) && is(world.object(Relation.BORN_IN, a), city -> !world.isWithin(city, b))),
  /** Also true of the country and continent of the home city. */
  LIVES_IN(Relation.LIVES_IN.template(), (world, a, b) -> is(world.object(Relation.LIVES_IN, a), city -> world.isWithin(city, b))),
  AGE(Relation.AGE.template(), (world, a, b) -> world.object(Relation.AGE, a).equals(Optional.of(b))),
  OWNS(Relation.OWNS.template(), (world, a, b) -> world.object(Relation.OWNS, a).equals(Optional.of(b))),
  MADE_OF(Relation.MADE_OF.template(), (world, a, b) -> world.object(Relation.MADE_OF, a).equals(Optional.of(b))),
  NOT_MADE_OF("{a} is not made of {b}", (world, a, b) -> world.kindOf(b).equals(Optional.of(EntityKind.MATERIAL))
      && is(world.object(Relation.MADE_OF, a), material -> !material.equals(b))),
  OWNS_SOMETHING_MADE_OF("{a} owns an object made of {b}",
      (world, a, b) -> world.object(Relation.OWNS, a).flatMap(o -> world.object(Relation.MADE_OF, o)).equals(Optional.of(b))),
  OLDER("{a} is older than {b}", (world, a, b) -> compareAges(world, a, b).map(c -> c > 0).orElse(false)),
  NOT_OLDER("{a} is not older than {b}", (world, a, b) -> compareAges(world, a, b).map(c -> c <= 0).orElse(false)),
  SAME_BIRTH_CITY("{a} and {b} were born in the same city", (world, a, b) -> sameCity(world, Relation.BORN_IN, a, b).orElse(false)),
  NOT_SAME_BIRTH_CITY("{a} and {b} were not born in the same city",
      (world, a, b) -> sameCity(world, Relation.BORN_IN, a, b).map(same -> !same).orElse(false)),
  LIVES_WHERE_BORN("{a} lives in the city where {a} was born", (world, a, b) -> livesWhereBorn(world, a).orElse(false)),
  NOT_LIVES_WHERE_BORN("{a} does not live in the city where {a} was born",
      (world, a, b) -> livesWhereBorn(world, a).map(same -> !same).orElse(false));

  /** Decides a claim about {@code a} and {@code b} ({@code b} is null for claims with one slot). */
  @FunctionalInterface
  interface Truth {
    boolean holds(AtlasWorld world, String a, String b);
  }

  private final String template;
  private final List<String> templateWords;
  private final Truth truth;

  Claim(String template, Truth truth) {
    this.template = template;
    this.templateWords = Arrays.asList(template.split(" "));
    this.truth = truth;
  }

  /** The claim that states facts of a base relation. */
  public static Claim of(Relation relation) {
    return valueOf(relation.name());
  }

  /** The clause with the slots {a} and {b} (one slot for some claims). */
  public String template() {
    return template;
  }

  boolean holds(AtlasWorld world, String a, String b) {
    return truth.holds(world, a, b);
  }

  /** The clause about {@code a} and {@code b}, without a final period. */
  String clause(String a, String b) {
    String clause = template.replace("{a}", a);
    return b == null ? clause : clause.replace("{b}", b);
  }

  boolean hasSecondSlot() {
    return templateWords.contains("{b}");
  }

  /**
   * Reads a clause given as words (as the tokenizer splits it, without the final period): the statement it makes,
   * or empty when the words do not have this claim's shape.
   */
  Optional<Statement> read(List<String> words) {
    if (words.size() != templateWords.size()) {
      return Optional.empty();
    }
    String a = null;
    String b = null;
    for (int i = 0; i < words.size(); i++) {
      String expected = templateWords.get(i);
      String word = words.get(i);
      if (expected.equals("{a}") || expected.equals("{b}")) {
        if (!isName(word)) {
          return Optional.empty();
        }
        String bound = expected.equals("{a}") ? a : b;
        if (bound != null && !bound.equals(word)) {
          return Optional.empty(); // "{a} lives in the city where {a} was born" names one person twice
        }
        if (expected.equals("{a}")) {
          a = word;
        } else {
          b = word;
        }
      } else if (!expected.equals(word)) {
        return Optional.empty();
      }
    }
    return Optional.of(new Statement(this, a, b));
  }

  private static boolean isName(String word) {
    return word.chars().allMatch(Character::isLetterOrDigit);
  }

  private static boolean is(Optional<String> value, Predicate<String> test) {
    return value.map(test::test).orElse(false);
  }

  private static Optional<Integer> compareAges(AtlasWorld world, String a, String b) {
    Optional<String> ageA = world.object(Relation.AGE, a);
    Optional<String> ageB = world.object(Relation.AGE, b);
    if (ageA.isEmpty() || ageB.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(Integer.compare(Integer.parseInt(ageA.get()), Integer.parseInt(ageB.get())));
  }

  private static Optional<Boolean> sameCity(AtlasWorld world, Relation relation, String a, String b) {
    Optional<String> cityA = world.object(relation, a);
    Optional<String> cityB = world.object(relation, b);
    return cityA.isEmpty() || cityB.isEmpty() ? Optional.empty() : Optional.of(cityA.get().equals(cityB.get()));
  }

  private static Optional<Boolean> livesWhereBorn(AtlasWorld world, String person) {
    Optional<String> born = world.object(Relation.BORN_IN, person);
    Optional<String> lives = world.object(Relation.LIVES_IN, person);
    return born.isEmpty() || lives.isEmpty() ? Optional.empty() : Optional.of(born.get().equals(lives.get()));
  }
}
