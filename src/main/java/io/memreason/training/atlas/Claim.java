package io.memreason.training.atlas;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Every shape of statement that a step of an atlas trace makes, with the rule that decides whether it is true.
 * The base relations state facts; the others are what reason steps conclude. Traces are written from these
 * templates and {@link StepJudge} reads steps back with them, so the two cannot drift apart.
 */
public enum Claim {
  PART_OF(Relation.PART_OF.template(), (world, a, b) -> contains(world, b, a).orElse(false)),
  LOCATED_IN(Relation.LOCATED_IN.template(), (world, a, b) -> contains(world, b, a).orElse(false)),
  NOT_LOCATED_IN("{a} is not in {b}", (world, a, b) -> contains(world, b, a).map(yes -> !yes).orElse(false)),
  /** Also true of the country and continent of the birth city: "Ilva was born in Molvia". */
  BORN_IN(Relation.BORN_IN.template(), (world, a, b) -> cityWithin(world, Relation.BORN_IN, a, b).orElse(false)),
  NOT_BORN_IN("{a} was not born in {b}",
      (world, a, b) -> cityWithin(world, Relation.BORN_IN, a, b).map(yes -> !yes).orElse(false)),
  /** Also true of the country and continent of the home city. */
  LIVES_IN(Relation.LIVES_IN.template(), (world, a, b) -> cityWithin(world, Relation.LIVES_IN, a, b).orElse(false)),
  AGE(Relation.AGE.template(), (world, a, b) -> valueIs(world, Relation.AGE, a, b).orElse(false)),
  OWNS(Relation.OWNS.template(), (world, a, b) -> valueIs(world, Relation.OWNS, a, b).orElse(false)),
  MADE_OF(Relation.MADE_OF.template(), (world, a, b) -> valueIs(world, Relation.MADE_OF, a, b).orElse(false)),
  NOT_MADE_OF("{a} is not made of {b}",
      (world, a, b) -> valueIs(world, Relation.MADE_OF, a, b).map(yes -> !yes).orElse(false)),
  OWNS_SOMETHING_MADE_OF("{a} owns an object made of {b}", (world, a, b) ->
      world.object(Relation.OWNS, a).flatMap(object -> valueIs(world, Relation.MADE_OF, object, b)).orElse(false)),
  OLDER("{a} is older than {b}", (world, a, b) -> compareAges(world, a, b).map(c -> c > 0).orElse(false)),
  NOT_OLDER("{a} is not older than {b}", (world, a, b) -> compareAges(world, a, b).map(c -> c <= 0).orElse(false)),
  SAME_BIRTH_CITY("{a} and {b} were born in the same city",
      (world, a, b) -> sameCity(world, Relation.BORN_IN, a, Relation.BORN_IN, b).orElse(false)),
  NOT_SAME_BIRTH_CITY("{a} and {b} were not born in the same city",
      (world, a, b) -> sameCity(world, Relation.BORN_IN, a, Relation.BORN_IN, b).map(yes -> !yes).orElse(false)),
  LIVES_WHERE_BORN("{a} lives in the city where {a} was born",
      (world, a, b) -> sameCity(world, Relation.LIVES_IN, a, Relation.BORN_IN, a).orElse(false)),
  NOT_LIVES_WHERE_BORN("{a} does not live in the city where {a} was born",
      (world, a, b) -> sameCity(world, Relation.LIVES_IN, a, Relation.BORN_IN, a).map(yes -> !yes).orElse(false));

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

  // The helpers below say whether something holds, or nothing when the names are not of the kinds the claim is
  // about: then the claim and its negation are both false ("Tarsen was not born in Ilva" is no true statement).

  /** Whether {@code place} lies in {@code region} (two different places). */
  private static Optional<Boolean> contains(AtlasWorld world, String region, String place) {
    if (!world.isPlace(place) || !world.isPlace(region) || place.equals(region)) {
      return Optional.empty();
    }
    return Optional.of(world.isWithin(place, region));
  }

  /** Whether the city of {@code person}'s fact of {@code relation} lies in {@code place} (or is it). */
  private static Optional<Boolean> cityWithin(AtlasWorld world, Relation relation, String person, String place) {
    return world.isPlace(place) ? world.object(relation, person).map(city -> world.isWithin(city, place)) : Optional.empty();
  }

  /** Whether {@code subject}'s fact of {@code relation} has the object {@code value} (a name of the right kind). */
  private static Optional<Boolean> valueIs(AtlasWorld world, Relation relation, String subject, String value) {
    Optional<String> object = world.object(relation, subject);
    if (object.isEmpty() || !world.kindOf(value).equals(world.kindOf(object.get()))) {
      return Optional.empty();
    }
    return Optional.of(object.get().equals(value));
  }

  private static Optional<Integer> compareAges(AtlasWorld world, String a, String b) {
    Optional<String> ageA = world.object(Relation.AGE, a);
    Optional<String> ageB = world.object(Relation.AGE, b);
    if (ageA.isEmpty() || ageB.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(Integer.compare(Integer.parseInt(ageA.get()), Integer.parseInt(ageB.get())));
  }

  private static Optional<Boolean> sameCity(AtlasWorld world, Relation relationA, String a, Relation relationB, String b) {
    Optional<String> cityA = world.object(relationA, a);
    Optional<String> cityB = world.object(relationB, b);
    return cityA.isEmpty() || cityB.isEmpty() ? Optional.empty() : Optional.of(cityA.get().equals(cityB.get()));
  }
}
