package io.memreason.training.atlas;

import java.util.List;
import java.util.Optional;

/**
 * A claim about one or two named things, e.g. {@code OLDER(Ilva, Bram)}: what one clause of a step says.
 *
 * @param b the second name, or null for claims with one slot
 */
public record Statement(Claim claim, String a, String b) {

  public Statement {
    if (claim.hasSecondSlot() != (b != null)) {
      String takes = claim.hasSecondSlot() ? "two names" : "one name";
      throw new IllegalArgumentException("claim " + claim + " takes " + takes + ", got a=" + a + ", b=" + b);
    }
  }

  /** The statement as a clause without a final period: "Ilva is older than Bram". */
  public String clause() {
    return claim.clause(a, b);
  }

  /** The statement as a sentence: "Ilva is older than Bram." */
  public String sentence() {
    return clause() + ".";
  }

  /** Whether the statement is true in {@code world}. */
  public boolean holdsIn(AtlasWorld world) {
    return claim.holds(world, a, b);
  }

  /** The statement a clause makes, given as the tokenizer's words without the final period. */
  static Optional<Statement> read(List<String> words) {
    for (Claim claim : Claim.values()) {
      Optional<Statement> statement = claim.read(words);
      if (statement.isPresent()) {
        return statement;
      }
    }
    return Optional.empty();
  }
}
