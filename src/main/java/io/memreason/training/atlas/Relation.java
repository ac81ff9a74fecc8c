package io.memreason.training.atlas;

/**
 * A kind of base fact of the atlas world. Every relation gives each of its subjects exactly one object, so a fact
 * is identified by its relation and subject ({@code born_in:Ilva}).
 */
public enum Relation {
  /** Country → continent. */
  PART_OF("part_of", "{a} is part of {b}"),
  /** City → country. */
  LOCATED_IN("located_in", "{a} is in {b}"),
  /** Person → city. */
  BORN_IN("born_in", "{a} was born in {b}"),
  /** Person → city. */
  LIVES_IN("lives_in", "{a} lives in {b}"),
  /** Person → age. */
  AGE("age", "{a} is {b} years old"),
  /** Person → object. */
  OWNS("owns", "{a} owns {b}"),
  /** Object → material. */
  MADE_OF("made_of", "{a} is made of {b}");

  private final String id;
  private final String template;

  Relation(String id, String template) {
    this.id = id;
    this.template = template;
  }

  /** The name used in fact ids and the JSON files. */
  public String id() {
    return id;
  }

  /** The clause that states a fact of this relation, with the slots {a} (subject) and {b} (object). */
  public String template() {
    return template;
  }
}
