package io.memreason.demo;

import io.memreason.reasoning.MemoryVerifier;
import io.memreason.reasoning.StepKind;
import io.memreason.reasoning.Verification;
import io.memreason.training.atlas.AtlasTruth;
import io.memreason.training.atlas.AtlasWorld;
import io.memreason.training.atlas.Fact;

/**
 * The demo's and the tests' memory verifier: the atlas world's truth. A memory step that states what holds in the
 * world is supported; one that states a fact of a relation about a subject wrongly is contradicted by the world's
 * fact of that relation about that subject; anything else (a sentence that is no atlas statement) is unknown.
 */
public final class AtlasTruthVerifier implements MemoryVerifier {
  /** How the verdicts name this verifier. */
  public static final String NAME = "atlas-world";

  private final AtlasTruth truth;

  public AtlasTruthVerifier(AtlasWorld world) {
    this.truth = new AtlasTruth(world);
  }

  @Override
  public Verification verify(String memoryStep) {
    if (truth.isTrue(StepKind.MEMORY, memoryStep)) {
      return Verification.supported(NAME);
    }
    return truth.factAbout(memoryStep).map(Fact::sentence).map(fact -> Verification.contradicted(fact, NAME))
        .orElse(Verification.unknown(NAME));
  }
}
