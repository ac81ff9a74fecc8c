package io.memreason.training.atlas;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A hand-made atlas world small enough to read in a test. */
public final class TinyWorlds {

  private TinyWorlds() {}

  /**
   * Ostra has Molvia (with Tarsen) and Varn (with Kesh). Ilva (45) was born in Tarsen, lives in Kesh and owns
   * Pelmor, made of iron; Bram (30) was born in and lives in Kesh and owns Drusk, made of wood.
   */
  public static AtlasWorld ostra() {
    Map<EntityKind, List<String>> entities = new EnumMap<>(EntityKind.class);
    entities.put(EntityKind.CONTINENT, List.of("Ostra"));
    entities.put(EntityKind.COUNTRY, List.of("Molvia", "Varn"));
    entities.put(EntityKind.CITY, List.of("Tarsen", "Kesh"));
    entities.put(EntityKind.PERSON, List.of("Ilva", "Bram"));
    entities.put(EntityKind.OBJECT, List.of("Pelmor", "Drusk"));
    entities.put(EntityKind.MATERIAL, List.of("iron", "wood"));
    entities.put(EntityKind.AGE, List.of("30", "45"));
    Map<String, Fact> facts = new LinkedHashMap<>();
    for (Fact fact : List.of(
        new Fact(Relation.PART_OF, "Molvia", "Ostra"),
        new Fact(Relation.PART_OF, "Varn", "Ostra"),
        new Fact(Relation.LOCATED_IN, "Tarsen", "Molvia"),
        new Fact(Relation.LOCATED_IN, "Kesh", "Varn"),
        new Fact(Relation.BORN_IN, "Ilva", "Tarsen"),
        new Fact(Relation.BORN_IN, "Bram", "Kesh"),
        new Fact(Relation.LIVES_IN, "Ilva", "Kesh"),
        new Fact(Relation.LIVES_IN, "Bram", "Kesh"),
        new Fact(Relation.AGE, "Ilva", "45"),
        new Fact(Relation.AGE, "Bram", "30"),
        new Fact(Relation.OWNS, "Ilva", "Pelmor"),
        new Fact(Relation.OWNS, "Bram", "Drusk"),
        new Fact(Relation.MADE_OF, "Pelmor", "iron"),
        new Fact(Relation.MADE_OF, "Drusk", "wood"))) {
      facts.put(fact.id(), fact);
    }
    return new AtlasWorld(0, new AtlasWorld.Sizes(1, 2, 2, 2, 2, 2), entities, facts);
  }
}
