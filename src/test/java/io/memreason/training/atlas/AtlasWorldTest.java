package io.memreason.training.atlas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AtlasWorldTest {

  private final AtlasWorld world = AtlasWorld.generate(7, AtlasWorld.Sizes.DEFAULT);

  @Test
  void sameSeedGivesTheSameWorld() {
    AtlasWorld again = AtlasWorld.generate(7, AtlasWorld.Sizes.DEFAULT);
    assertEquals(world.entities(), again.entities());
    assertEquals(List.copyOf(world.facts().values()), List.copyOf(again.facts().values()));
  }

  @Test
  void otherSeedGivesAnotherWorld() {
    assertNotEquals(world.entities(), AtlasWorld.generate(8, AtlasWorld.Sizes.DEFAULT).entities());
  }

  @Test
  void hasTheRequestedNumberOfEachKind() {
    AtlasWorld.Sizes sizes = new AtlasWorld.Sizes(3, 5, 9, 11, 4, 7);
    AtlasWorld small = AtlasWorld.generate(1, sizes);
    assertEquals(3, small.names(EntityKind.CONTINENT).size());
    assertEquals(5, small.names(EntityKind.COUNTRY).size());
    assertEquals(9, small.names(EntityKind.CITY).size());
    assertEquals(11, small.names(EntityKind.PERSON).size());
    assertEquals(11, small.names(EntityKind.OBJECT).size());
    assertEquals(4, small.names(EntityKind.MATERIAL).size());
    assertEquals(7, small.names(EntityKind.AGE).size());
  }

  @Test
  void everyNameIsOneDistinctTokenAndNoTemplateWord() {
    Set<String> seen = new HashSet<>();
    Set<String> templateWords = new HashSet<>();
    AtlasVocabulary.templateWords().forEach(word -> templateWords.add(word.toLowerCase(Locale.ROOT)));
    for (List<String> names : world.entities().values()) {
      for (String name : names) {
        assertEquals(List.of(name), WordLevelTokenizerJson.words(name), "one token: " + name);
        assertTrue(seen.add(name), "named twice: " + name);
        assertTrue(!templateWords.contains(name.toLowerCase(Locale.ROOT)), "a template word: " + name);
      }
    }
  }

  @Test
  void everyRelationGivesEachSubjectOneObjectOfTheRightKind() {
    check(Relation.PART_OF, EntityKind.COUNTRY, EntityKind.CONTINENT);
    check(Relation.LOCATED_IN, EntityKind.CITY, EntityKind.COUNTRY);
    check(Relation.BORN_IN, EntityKind.PERSON, EntityKind.CITY);
    check(Relation.LIVES_IN, EntityKind.PERSON, EntityKind.CITY);
    check(Relation.AGE, EntityKind.PERSON, EntityKind.AGE);
    check(Relation.OWNS, EntityKind.PERSON, EntityKind.OBJECT);
    check(Relation.MADE_OF, EntityKind.OBJECT, EntityKind.MATERIAL);
    int subjects = 4 + 12 + 5 * 24;
    assertEquals(subjects, world.facts().size());
  }

  @Test
  void everyRegionHasPlacesInIt() {
    for (String continent : world.names(EntityKind.CONTINENT)) {
      assertTrue(world.names(EntityKind.COUNTRY).stream().anyMatch(c -> world.isWithin(c, continent)), continent);
    }
    for (String country : world.names(EntityKind.COUNTRY)) {
      assertTrue(world.names(EntityKind.CITY).stream().anyMatch(c -> world.isWithin(c, country)), country);
    }
  }

  @Test
  void rejectsSizesItCannotBuildWithAMessageNamingTheProblem() {
    IllegalArgumentException error =
        assertThrows(IllegalArgumentException.class, () -> new AtlasWorld.Sizes(2, 4, 3, 24, 6, 6));
    assertTrue(error.getMessage().contains("cities (3)"), error.getMessage());
  }

  private void check(Relation relation, EntityKind subjects, EntityKind objects) {
    for (String subject : world.names(subjects)) {
      String object = world.object(relation, subject).orElseThrow(() -> new AssertionError(relation + " of " + subject));
      assertEquals(objects, world.kindOf(object).orElseThrow(), relation + " of " + subject);
    }
  }
}
