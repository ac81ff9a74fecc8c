package io.memreason.training.atlas;

import java.util.List;

/**
 * A question about the atlas world with its ground-truth trace, in the form of the seed datasets.
 *
 * @param id type, names and phrasing (from 1), e.g. {@code born-country:Ilva:2}; the same question always has the
 *     same id
 * @param about the names the question is about, in slot order ({a}, then {b} if any)
 * @param answer a single word: a name, a material, an age, or True/False
 * @param cotSteps the trace as in the seed datasets: "[rag]: ..." for memory steps, "[reason]: ..." for reason steps
 * @param facts the ids of the facts the trace recalls, in order
 */
public record AtlasQuestion(String id, QuestionType type, List<String> about, String question, String answer,
                            List<String> cotSteps, List<String> facts) {

  public AtlasQuestion {
    about = List.copyOf(about);
    cotSteps = List.copyOf(cotSteps);
    facts = List.copyOf(facts);
  }

  /** Type and names without the phrasing: two phrasings of one question share their key. */
  public String key() {
    return type.id() + ":" + String.join(":", about);
  }

  /** Whether the answer is True or False rather than a name. */
  public boolean isTrueOrFalse() {
    return answer.equals(AtlasQuestions.TRUE) || answer.equals(AtlasQuestions.FALSE);
  }
}
