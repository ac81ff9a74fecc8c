package io.memreason.reasoning;

import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link MemoryVerifier} found of one memory step.
 *
 * @param correctFact the known fact the step contradicts; present exactly when the verdict is CONTRADICTED
 * @param verifier which verifier judged, and from what, e.g. {@code knowledge:atlas-world}
 */
public record Verification(Verdict verdict, Optional<String> correctFact, String verifier) {

  /** Whether what a memory step recalls agrees with what is known. */
  public enum Verdict {
    /** A known fact says the same. */
    SUPPORTED,
    /** A known fact says otherwise: {@link #correctFact()} is that fact. */
    CONTRADICTED,
    /** Nothing known is about what the step says (or it could not be checked). */
    UNKNOWN
  }

  public Verification {
    Objects.requireNonNull(verdict, "verdict");
    Objects.requireNonNull(verifier, "verifier");
    if ((verdict == Verdict.CONTRADICTED) != correctFact.isPresent()) {
      throw new IllegalArgumentException("a CONTRADICTED verdict, and only that, comes with the correct fact; got "
          + verdict + " with " + correctFact);
    }
  }

  public static Verification supported(String verifier) {
    return new Verification(Verdict.SUPPORTED, Optional.empty(), verifier);
  }

  public static Verification contradicted(String correctFact, String verifier) {
    return new Verification(Verdict.CONTRADICTED, Optional.of(correctFact), verifier);
  }

  public static Verification unknown(String verifier) {
    return new Verification(Verdict.UNKNOWN, Optional.empty(), verifier);
  }

  public boolean contradicted() {
    return verdict == Verdict.CONTRADICTED;
  }
}
