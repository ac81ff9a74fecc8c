package io.memreason.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.memreason.avro.Knowledge;
import io.memreason.avro.KnownFact;
import io.memreason.reasoning.Verification;
import io.memreason.reasoning.Verification.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KnowledgeVerifierTest {
  private final List<String> lookedUp = new ArrayList<>();
  private final Map<String, Knowledge> known = Map.of(
      "Marie Curie", new Knowledge("Marie Curie", List.of(
          new KnownFact("Marie Curie was born in Warsaw.", "Warsaw"),
          new KnownFact("Marie Curie won 2 Nobel prizes.", "2")), "encyclopedia"),
      "France", new Knowledge("France", List.of(new KnownFact("The capital of France is Paris.", "Paris")), null),
      "Ilva", new Knowledge("Ilva", List.of(new KnownFact("Ilva was born in Tarsen.", "Tarsen"),
          new KnownFact("Ilva lives in Kesh.", "Kesh")), "atlas-world"));
  private final KnowledgeVerifier verifier = new KnowledgeVerifier(subject -> {
    lookedUp.add(subject);
    return Optional.ofNullable(known.get(subject));
  });

  @Test
  void aStepThatSaysAFactIsSupportedWhateverTheCaseAndFinalMark() {
    assertEquals(Verification.supported("knowledge:encyclopedia"), verifier.verify("Marie Curie was born in Warsaw."));
    assertEquals(Verification.supported("knowledge:encyclopedia"), verifier.verify("Marie Curie WAS born in warsaw"),
        "the subject is looked up as the key writes it, the other words in any case");
    assertEquals(Verification.supported("knowledge"), verifier.verify("The capital of France is Paris!"));
    assertEquals(Verification.supported("knowledge:encyclopedia"), verifier.verify("Marie Curie won 2 Nobel prizes."),
        "the value in the middle of the statement");
  }

  @Test
  void aStepThatSaysAFactWithAnotherValueIsContradictedByTheFact() {
    assertEquals(Verification.contradicted("Marie Curie was born in Warsaw.", "knowledge:encyclopedia"),
        verifier.verify("Marie Curie was born in Paris."));
    assertEquals(Verification.contradicted("The capital of France is Paris.", "knowledge"),
        verifier.verify("The capital of France is Lyon."));
    assertEquals(Verification.contradicted("Marie Curie won 2 Nobel prizes.", "knowledge:encyclopedia"),
        verifier.verify("Marie Curie won 3 Nobel prizes."));
    assertEquals(Verification.contradicted("Ilva lives in Kesh.", "knowledge:atlas-world"),
        verifier.verify("Ilva lives in Tarsen."), "the fact of the relation the step states, not another one");
  }

  @Test
  void aStepThatIsAboutNothingKnownOrSaysMoreThanAFactIsUnknown() {
    assertEquals(Verdict.UNKNOWN, verifier.verify("Water boils at 100 degrees.").verdict());
    assertEquals(Verdict.UNKNOWN, verifier.verify("Marie Curie studied in Paris.").verdict(), "no such fact");
    assertEquals(Verdict.UNKNOWN, verifier.verify("Marie Curie was born in Warsaw in 1867.").verdict(),
        "the value goes on after the object");
    assertEquals(Verdict.UNKNOWN, verifier.verify("Marie Curie was born in Paris, and she died there.").verdict(),
        "more than one fact");
    assertEquals(Verdict.UNKNOWN, verifier.verify("").verdict());
  }

  @Test
  void everyRunOfWordsUpToSixIsLookedUpOnceAsASubject() {
    verifier.verify("Marie Curie was born in Warsaw.");
    assertEquals(lookedUp.stream().distinct().count(), lookedUp.size(), "each subject once: " + lookedUp);
    assertEquals(List.of("Marie", "Marie Curie"), lookedUp.subList(0, 2));
    assertEquals(false, lookedUp.contains("Marie Curie was born in Warsaw"), "six words at most");
  }

  @Test
  void aFactWhoseObjectIsNotInItsStatementIsIgnored() {
    KnowledgeVerifier broken = new KnowledgeVerifier(subject -> subject.equals("Ilva")
        ? Optional.of(new Knowledge("Ilva", List.of(new KnownFact("Ilva was born in Tarsen.", "Kesh")), null))
        : Optional.empty());
    assertEquals(Verdict.UNKNOWN, broken.verify("Ilva was born in Varn.").verdict());
  }
}
