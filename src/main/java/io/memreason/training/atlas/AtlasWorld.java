package io.memreason.training.atlas;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * A small fictional world: continents made of countries made of cities, people born in and living in cities, their
 * ages and the objects they own, and what those objects are made of. The same seed and sizes always give the same
 * world.
 *
 * @param entities the names of each kind, in generation order
 * @param facts every base fact by {@link Fact#id()}, grouped by relation
 */
public record AtlasWorld(long seed, Sizes sizes, Map<EntityKind, List<String>> entities, Map<String, Fact> facts) {

  /**
   * How many things of each kind the world has. Every person owns one object, so there are as many objects as
   * people.
   *
   * @param materials at most {@value #MAX_MATERIALS}
   * @param ages how many different ages people can have (20, 30, 40 ...), at most {@value #MAX_AGES}
   */
  public record Sizes(int continents, int countries, int cities, int people, int materials, int ages) {
    static final int MAX_MATERIALS = 12;
    static final int MAX_AGES = 8;

    /**
     * About 140 facts: small enough for a tiny model to learn in minutes, large enough for every kind of question.
     * Few ages, because a model learns "older" by seeing each pair of ages compared.
     */
    public static final Sizes DEFAULT = new Sizes(2, 4, 12, 24, 6, 6);

    public Sizes {
      require(continents >= 1, "continents must be at least 1, got " + continents);
      require(countries >= continents,
          "countries (" + countries + ") must be at least continents (" + continents + ")");
      require(cities >= Math.max(2, countries),
          "cities (" + cities + ") must be at least 2 and at least countries (" + countries + ")");
      require(people >= 2, "people must be at least 2, got " + people);
      require(materials >= 2 && materials <= MAX_MATERIALS,
          "materials must be 2.." + MAX_MATERIALS + ", got " + materials);
      require(ages >= 2 && ages <= MAX_AGES, "ages must be 2.." + MAX_AGES + ", got " + ages);
    }

    private static void require(boolean condition, String message) {
      if (!condition) {
        throw new IllegalArgumentException("atlas world sizes: " + message);
      }
    }
  }

  private static final List<String> MATERIALS = List.of(
      "wood", "iron", "glass", "clay", "silver", "stone", "bronze", "copper", "bone", "gold", "wool", "ivory");

  public AtlasWorld {
    EnumMap<EntityKind, List<String>> copy = new EnumMap<>(EntityKind.class);
    entities.forEach((kind, names) -> copy.put(kind, List.copyOf(names)));
    entities = Collections.unmodifiableMap(copy);
    facts = Collections.unmodifiableMap(new LinkedHashMap<>(facts));
  }

  /** Generates the world of {@code seed}. */
  public static AtlasWorld generate(long seed, Sizes sizes) {
    Random random = new Random(seed);
    PronounceableNames names = new PronounceableNames(random, AtlasVocabulary.templateWords());
    Map<EntityKind, List<String>> entities = new EnumMap<>(EntityKind.class);
    List<String> continents = invent(names, sizes.continents(), "ora", "enna", "ica");
    List<String> countries = invent(names, sizes.countries(), "ia", "and", "ary");
    List<String> cities = invent(names, sizes.cities(), "en", "or", "ik", "um", "os");
    List<String> people = invent(names, sizes.people(), "a", "o", "in", "el", "is", "an");
    List<String> objects = invent(names, sizes.people(), "ock", "et", "ax", "ip");
    List<String> materials = MATERIALS.subList(0, sizes.materials());
    List<String> ages = IntStream.range(0, sizes.ages()).mapToObj(i -> Integer.toString(20 + 10 * i)).toList();
    entities.put(EntityKind.CONTINENT, continents);
    entities.put(EntityKind.COUNTRY, countries);
    entities.put(EntityKind.CITY, cities);
    entities.put(EntityKind.PERSON, people);
    entities.put(EntityKind.OBJECT, objects);
    entities.put(EntityKind.MATERIAL, materials);
    entities.put(EntityKind.AGE, ages);

    Map<String, Fact> facts = new LinkedHashMap<>();
    // Regions are filled round-robin so that none is empty and all are about the same size; the names are random,
    // so which city lies where still follows from the seed.
    for (int i = 0; i < countries.size(); i++) {
      add(facts, Relation.PART_OF, countries.get(i), continents.get(i % continents.size()));
    }
    for (int i = 0; i < cities.size(); i++) {
      add(facts, Relation.LOCATED_IN, cities.get(i), countries.get(i % countries.size()));
    }
    List<String> birthCities = new ArrayList<>();
    for (String person : people) {
      birthCities.add(pick(random, cities));
      add(facts, Relation.BORN_IN, person, birthCities.get(birthCities.size() - 1));
    }
    for (int i = 0; i < people.size(); i++) {
      // Half of the people still live where they were born, so "does X live where X was born?" is a fair question.
      String birthCity = birthCities.get(i);
      String home = random.nextBoolean()
          ? birthCity : pick(random, cities.stream().filter(city -> !city.equals(birthCity)).toList());
      add(facts, Relation.LIVES_IN, people.get(i), home);
    }
    for (String person : people) {
      add(facts, Relation.AGE, person, pick(random, ages));
    }
    for (int i = 0; i < people.size(); i++) {
      add(facts, Relation.OWNS, people.get(i), objects.get(i));
    }
    for (String object : objects) {
      add(facts, Relation.MADE_OF, object, pick(random, materials));
    }
    return new AtlasWorld(seed, sizes, entities, facts);
  }

  /** The names of one kind of thing, in generation order. */
  public List<String> names(EntityKind kind) {
    return entities.get(kind);
  }

  /** The kind of a name, or empty when the world has no such name. */
  public Optional<EntityKind> kindOf(String name) {
    return entities.entrySet().stream().filter(e -> e.getValue().contains(name)).map(Map.Entry::getKey).findFirst();
  }

  /** The object of the fact of {@code relation} about {@code subject}, or empty when there is no such fact. */
  public Optional<String> object(Relation relation, String subject) {
    return Optional.ofNullable(facts.get(Fact.id(relation, subject))).map(Fact::object);
  }

  /** The fact of {@code relation} about {@code subject}; throws when there is none. */
  public Fact fact(Relation relation, String subject) {
    Fact fact = facts.get(Fact.id(relation, subject));
    if (fact == null) {
      throw new IllegalArgumentException("the atlas world has no fact " + Fact.id(relation, subject));
    }
    return fact;
  }

  /** Whether {@code name} is a city, country or continent. */
  public boolean isPlace(String name) {
    return kindOf(name)
        .map(kind -> kind == EntityKind.CITY || kind == EntityKind.COUNTRY || kind == EntityKind.CONTINENT)
        .orElse(false);
  }

  /** Whether {@code place} is {@code region} or lies in it (a city in its country and continent). */
  public boolean isWithin(String place, String region) {
    if (!isPlace(place)) {
      return false;
    }
    for (String current = place; current != null; current = container(current).orElse(null)) {
      if (current.equals(region)) {
        return true;
      }
    }
    return false;
  }

  private Optional<String> container(String place) {
    return object(Relation.LOCATED_IN, place).or(() -> object(Relation.PART_OF, place));
  }

  private static List<String> invent(PronounceableNames names, int count, String... endings) {
    List<String> invented = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      invented.add(names.next(endings));
    }
    return invented;
  }

  private static String pick(Random random, List<String> choices) {
    return choices.get(random.nextInt(choices.size()));
  }

  private static void add(Map<String, Fact> facts, Relation relation, String subject, String object) {
    Fact fact = new Fact(relation, subject, object);
    facts.put(fact.id(), fact);
  }
}
