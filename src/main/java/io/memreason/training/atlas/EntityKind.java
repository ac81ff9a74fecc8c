package io.memreason.training.atlas;

/** The kinds of things the atlas world names; every name is one word and belongs to exactly one kind. */
public enum EntityKind {
  CONTINENT,
  COUNTRY,
  CITY,
  PERSON,
  /** Things people own, with invented names like the rest of the world. */
  OBJECT,
  /** Real words (wood, iron ...), so the world has a few familiar values too. */
  MATERIAL,
  /** Ages in years, written as numbers ("45"); people are compared by them. */
  AGE
}
