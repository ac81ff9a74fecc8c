package io.memreason.training.atlas;

import java.util.HashSet;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

/**
 * Invents capitalised, pronounceable names (Tarsen, Molvia, Ilva) from syllables, never the same name twice.
 * Each kind of thing gets its own endings, so a reader can tell a country from a city at a glance.
 */
final class PronounceableNames {

  private static final String[] ONSETS = {
      "b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "dr", "gr", "kr", "st", "tr"};
  private static final String[] VOWELS = {"a", "e", "i", "o", "u", "a", "e", "o"};
  private static final String[] CODAS = {"", "", "", "l", "n", "r", "s", "m"};
  private static final String[] LINKS = {"l", "n", "r", "v"};

  private final Random random;
  private final Set<String> taken = new HashSet<>();

  /**
   * @param random the world's random source, so the names follow from the seed
   * @param reserved words that must never be a name (lower-cased comparison), e.g. the template words
   */
  PronounceableNames(Random random, Set<String> reserved) {
    this.random = random;
    reserved.forEach(word -> taken.add(word.toLowerCase(Locale.ROOT)));
  }

  /** A new name: one syllable (sometimes two) followed by one of the given endings. */
  String next(String... endings) {
    while (true) {
      StringBuilder name = new StringBuilder();
      int syllables = random.nextInt(4) == 0 ? 2 : 1;
      for (int i = 0; i < syllables; i++) {
        name.append(pick(ONSETS)).append(pick(VOWELS)).append(pick(CODAS));
      }
      String ending = pick(endings);
      if (isVowel(name.charAt(name.length() - 1)) && isVowel(ending.charAt(0))) {
        name.append(pick(LINKS)); // "Kra" + "ia" would read as "Kraia"; "Kravia" is easier to say
      }
      name.append(ending);
      String candidate = Character.toUpperCase(name.charAt(0)) + name.substring(1);
      // Very short names read like words ("Bo", "Tas"); the set check keeps every name a distinct token.
      if (candidate.length() >= 4 && taken.add(candidate.toLowerCase(Locale.ROOT))) {
        return candidate;
      }
    }
  }

  private static boolean isVowel(char c) {
    return "aeiou".indexOf(c) >= 0;
  }

  private String pick(String[] choices) {
    return choices[random.nextInt(choices.length)];
  }
}
