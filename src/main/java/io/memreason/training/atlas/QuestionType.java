package io.memreason.training.atlas;

import java.util.List;
import java.util.Locale;

/**
 * The kinds of question asked about the atlas world, each with three phrasings: one-hop lookups (one memory step),
 * one-hop checks (a memory step and a reason step comparing the recalled value with the asked one, True/False),
 * two-hop questions (two memory steps combined by a reason step), comparisons of two recalled facts (True/False)
 * and three-hop questions (three memory steps and a reason step).
 */
public enum QuestionType {
  WHERE_BORN(EntityKind.PERSON, null,
      "Where was {a} born?", "In which city was {a} born?", "What is the city of birth of {a}?"),
  WHERE_LIVES(EntityKind.PERSON, null,
      "Where does {a} live?", "In which city does {a} live?", "What is the home city of {a}?"),
  CITY_COUNTRY(EntityKind.CITY, null,
      "In which country is {a}?", "Which country is {a} in?", "What country is {a} part of?"),
  COUNTRY_CONTINENT(EntityKind.COUNTRY, null,
      "On which continent is {a}?", "Which continent is {a} part of?", "What continent is {a} on?"),
  AGE(EntityKind.PERSON, null, "How old is {a}?", "What is the age of {a}?", "How many years old is {a}?"),
  OWNED_OBJECT(EntityKind.PERSON, null,
      "What does {a} own?", "Which object does {a} own?", "What is the object that {a} owns?"),
  MATERIAL(EntityKind.OBJECT, null,
      "What is {a} made of?", "Which material is {a} made of?", "What material is {a} made of?"),
  CITY_IN_COUNTRY(EntityKind.CITY, EntityKind.COUNTRY,
      "Is {a} in {b}?", "Is {a} a city of {b}?", "Does {a} lie in {b}?"),
  MADE_OF_MATERIAL(EntityKind.OBJECT, EntityKind.MATERIAL,
      "Is {a} made of {b}?", "Is {b} the material of {a}?", "Is {a} an object made of {b}?"),
  BORN_COUNTRY(EntityKind.PERSON, null,
      "In which country was {a} born?", "Which country was {a} born in?", "What is the country of birth of {a}?"),
  LIVES_COUNTRY(EntityKind.PERSON, null,
      "In which country does {a} live?", "Which country does {a} live in?", "What is the home country of {a}?"),
  OWNED_MATERIAL(EntityKind.PERSON, null, "What is the object that {a} owns made of?",
      "Which material is the object of {a} made of?", "What material is the object that {a} owns made of?"),
  BORN_IN_COUNTRY(EntityKind.PERSON, EntityKind.COUNTRY,
      "Was {a} born in {b}?", "Is {b} the country where {a} was born?", "Is {b} the country of birth of {a}?"),
  OLDER(EntityKind.PERSON, EntityKind.PERSON,
      "Is {a} older than {b}?", "Compared with {b}, is {a} older?", "Does {a} have more years than {b}?"),
  SAME_BIRTH_CITY(EntityKind.PERSON, EntityKind.PERSON, "Were {a} and {b} born in the same city?",
      "Do {a} and {b} have the same city of birth?", "Were {a} and {b} both born in one city?"),
  LIVES_WHERE_BORN(EntityKind.PERSON, null, "Does {a} live in the city where {a} was born?",
      "Is the city where {a} lives the city where {a} was born?", "Is the home city of {a} the city of birth of {a}?"),
  BORN_CONTINENT(EntityKind.PERSON, null,
      "On which continent was {a} born?", "Which continent was {a} born on?", "What is the continent of birth of {a}?"),
  LIVES_CONTINENT(EntityKind.PERSON, null,
      "On which continent does {a} live?", "Which continent does {a} live on?", "What is the home continent of {a}?");

  private final EntityKind first;
  private final EntityKind second;
  private final List<String> phrasings;

  QuestionType(EntityKind first, EntityKind second, String... phrasings) {
    this.first = first;
    this.second = second;
    this.phrasings = List.of(phrasings);
  }

  /** The name used in question ids and the JSON files, e.g. {@code born-country}. */
  public String id() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** What the question is about ({a}). */
  public EntityKind first() {
    return first;
  }

  /** What the question compares {a} with ({b}), or null for questions about one thing. */
  public EntityKind second() {
    return second;
  }

  /** The question templates, with the slots {a} and {b}. */
  public List<String> phrasings() {
    return phrasings;
  }

  /** The question in phrasing {@code phrasing} (from 0) about {@code a} and {@code b}. */
  String ask(int phrasing, String a, String b) {
    String question = phrasings.get(phrasing).replace("{a}", a);
    return b == null ? question : question.replace("{b}", b);
  }
}
