package io.memreason.training.atlas;

/** One base fact of the atlas world, e.g. Ilva was born in Tarsen. */
public record Fact(Relation relation, String subject, String object) {

  /** The fact's identity: relation and subject, e.g. {@code born_in:Ilva}. */
  public String id() {
    return id(relation, subject);
  }

  /** The id of the fact of {@code relation} about {@code subject}. */
  public static String id(Relation relation, String subject) {
    return relation.id() + ":" + subject;
  }

  /** The fact as a statement a step can make. */
  public Statement statement() {
    return new Statement(Claim.of(relation), subject, object);
  }

  /** The fact as a sentence, the way a memory step states it: "Ilva was born in Tarsen." */
  public String sentence() {
    return statement().sentence();
  }
}
