package io.memreason.training;

import com.google.gson.annotations.SerializedName;
import java.util.List;
import java.util.Objects;

/**
 * One item of the seed datasets: a question, its gold answer and a labelled chain of thought.
 *
 * @param question the question; CommonsenseQA items start with "Question: " and carry their options, TruthfulQA
 *     items carry theirs as {@code "q A. x B. y"}
 * @param answer "True"/"False" or a letter
 * @param cotSteps steps such as {@code "[rag]: Paris is in France."} or {@code "[reason]: So ..."}; empty for the
 *     CommonsenseQA and TruthfulQA test items
 * @param split "train" or "test"
 */
public record SeedExample(String question, String answer, @SerializedName("cot_steps") List<String> cotSteps,
                          String split) {

  public SeedExample {
    Objects.requireNonNull(question, "question");
    Objects.requireNonNull(answer, "answer");
    cotSteps = cotSteps == null ? List.of() : List.copyOf(cotSteps);
  }

  /** Whether the item has any chain-of-thought steps (the reference skips those that do not). */
  public boolean hasChainOfThought() {
    return !cotSteps.isEmpty();
  }
}
