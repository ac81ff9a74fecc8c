package io.memreason.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.memreason.reasoning.Verification;
import io.memreason.training.atlas.TinyWorlds;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AtlasTruthVerifierTest {
  private final AtlasTruthVerifier verifier = new AtlasTruthVerifier(TinyWorlds.ostra());

  @Test
  void aTrueMemoryStepIsSupported() {
    assertEquals(Verification.supported("atlas-world"), verifier.verify("Ilva was born in Tarsen."));
    assertEquals(Verification.supported("atlas-world"), verifier.verify("Ilva was born in Molvia."),
        "the country of the birth city");
  }

  @Test
  void aWrongFactIsContradictedByTheWorldsFact() {
    Verification v = verifier.verify("Ilva was born in Kesh.");
    assertEquals(Verification.Verdict.CONTRADICTED, v.verdict());
    assertEquals(Optional.of("Ilva was born in Tarsen."), v.correctFact());
  }

  @Test
  void whatIsNoAtlasFactIsUnknown() {
    assertEquals(Verification.Verdict.UNKNOWN, verifier.verify("The moon is made of cheese.").verdict());
    assertEquals(Verification.Verdict.UNKNOWN, verifier.verify("Tarsen was born in Kesh.").verdict(),
        "false, but no fact of the world says where a city was born");
  }
}
