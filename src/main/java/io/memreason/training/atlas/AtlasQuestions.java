package io.memreason.training.atlas;

import java.util.ArrayList;
import java.util.List;

/** Asks the questions of every {@link QuestionType} about a world and writes their ground-truth traces. */
final class AtlasQuestions {

  static final String TRUE = "True";
  static final String FALSE = "False";
  /** The seed datasets' step labels: "[rag]" marks a memory step. */
  static final String MEMORY_LABEL = "[rag]: ";
  static final String REASON_LABEL = "[reason]: ";

  private final AtlasWorld world;

  AtlasQuestions(AtlasWorld world) {
    this.world = world;
  }

  /** Every choice of names a question of {@code type} can be about: [a], or [a, b] with b different from a. */
  List<List<String>> subjects(QuestionType type) {
    List<List<String>> subjects = new ArrayList<>();
    for (String a : world.names(type.first())) {
      if (type.second() == null) {
        subjects.add(List.of(a));
        continue;
      }
      for (String b : world.names(type.second())) {
        if (!b.equals(a)) {
          subjects.add(List.of(a, b));
        }
      }
    }
    return subjects;
  }

  /** The question of {@code type} about {@code about} in phrasing {@code phrasing} (from 0), with its trace. */
  AtlasQuestion ask(QuestionType type, List<String> about, int phrasing) {
    String a = about.get(0);
    String b = about.size() > 1 ? about.get(1) : null;
    Trace trace = new Trace();
    String answer = switch (type) {
      case WHERE_BORN -> trace.recall(Relation.BORN_IN, a);
      case WHERE_LIVES -> trace.recall(Relation.LIVES_IN, a);
      case CITY_COUNTRY -> trace.recall(Relation.LOCATED_IN, a);
      case COUNTRY_CONTINENT -> trace.recall(Relation.PART_OF, a);
      case AGE -> trace.recall(Relation.AGE, a);
      case OWNED_OBJECT -> trace.recall(Relation.OWNS, a);
      case MATERIAL -> trace.recall(Relation.MADE_OF, a);
      case CITY_IN_COUNTRY -> {
        String country = trace.recall(Relation.LOCATED_IN, a);
        yield trace.decide(country.equals(b), Claim.LOCATED_IN, Claim.NOT_LOCATED_IN, a, b);
      }
      case MADE_OF_MATERIAL -> {
        String material = trace.recall(Relation.MADE_OF, a);
        yield trace.decide(material.equals(b), Claim.MADE_OF, Claim.NOT_MADE_OF, a, b);
      }
      case BORN_COUNTRY -> {
        String country = trace.recall(Relation.LOCATED_IN, trace.recall(Relation.BORN_IN, a));
        yield trace.conclude(Claim.BORN_IN, a, country);
      }
      case LIVES_COUNTRY -> {
        String country = trace.recall(Relation.LOCATED_IN, trace.recall(Relation.LIVES_IN, a));
        yield trace.conclude(Claim.LIVES_IN, a, country);
      }
      case OWNED_MATERIAL -> {
        String material = trace.recall(Relation.MADE_OF, trace.recall(Relation.OWNS, a));
        yield trace.conclude(Claim.OWNS_SOMETHING_MADE_OF, a, material);
      }
      case BORN_CONTINENT -> {
        String country = trace.recall(Relation.LOCATED_IN, trace.recall(Relation.BORN_IN, a));
        yield trace.conclude(Claim.BORN_IN, a, trace.recall(Relation.PART_OF, country));
      }
      case LIVES_CONTINENT -> {
        String country = trace.recall(Relation.LOCATED_IN, trace.recall(Relation.LIVES_IN, a));
        yield trace.conclude(Claim.LIVES_IN, a, trace.recall(Relation.PART_OF, country));
      }
      case BORN_IN_COUNTRY -> {
        String country = trace.recall(Relation.LOCATED_IN, trace.recall(Relation.BORN_IN, a));
        yield trace.decide(country.equals(b), Claim.BORN_IN, Claim.NOT_BORN_IN, a, b);
      }
      case OLDER -> {
        int ageA = Integer.parseInt(trace.recall(Relation.AGE, a));
        int ageB = Integer.parseInt(trace.recall(Relation.AGE, b));
        yield trace.decide(ageA > ageB, Claim.OLDER, Claim.NOT_OLDER, a, b);
      }
      case SAME_BIRTH_CITY -> {
        String cityA = trace.recall(Relation.BORN_IN, a);
        String cityB = trace.recall(Relation.BORN_IN, b);
        yield trace.decide(cityA.equals(cityB), Claim.SAME_BIRTH_CITY, Claim.NOT_SAME_BIRTH_CITY, a, b);
      }
      case LIVES_WHERE_BORN -> {
        String birthCity = trace.recall(Relation.BORN_IN, a);
        String home = trace.recall(Relation.LIVES_IN, a);
        yield trace.decide(home.equals(birthCity), Claim.LIVES_WHERE_BORN, Claim.NOT_LIVES_WHERE_BORN, a, null);
      }
    };
    String id = type.id() + ":" + String.join(":", about) + ":" + (phrasing + 1);
    return new AtlasQuestion(id, type, about, type.ask(phrasing, a, b), answer, trace.steps, trace.facts);
  }

  /**
   * A trace being written: memory steps state one fact each; the reason step restates every recalled fact and
   * draws the conclusion: "Ilva was born in Tarsen and Tarsen is in Molvia, so Ilva was born in Molvia."
   */
  private final class Trace {
    final List<String> steps = new ArrayList<>();
    final List<String> facts = new ArrayList<>();
    final List<Statement> recalled = new ArrayList<>();

    /** Adds a memory step stating the fact of {@code relation} about {@code subject}; returns the fact's object. */
    String recall(Relation relation, String subject) {
      Fact fact = world.fact(relation, subject);
      steps.add(MEMORY_LABEL + fact.sentence());
      facts.add(fact.id());
      recalled.add(fact.statement());
      return fact.object();
    }

    /** Adds the reason step concluding {@code claim} about a and b; returns b, the answer of a where/what question. */
    String conclude(Claim claim, String a, String b) {
      steps.add(REASON_LABEL + reasonSentence(recalled, new Statement(claim, a, b)));
      return b;
    }

    /** Adds the reason step concluding {@code ifTrue} or {@code ifFalse}; returns the answer, True or False. */
    String decide(boolean holds, Claim ifTrue, Claim ifFalse, String a, String b) {
      conclude(holds ? ifTrue : ifFalse, a, b);
      return holds ? TRUE : FALSE;
    }
  }

  /** "p, so c.", "p1 and p2, so c." or "p1, p2 and p3, so c.": the form {@link StepJudge} reads back. */
  static String reasonSentence(List<Statement> premises, Statement conclusion) {
    List<String> clauses = premises.stream().map(Statement::clause).toList();
    String joined = clauses.size() == 1 ? clauses.get(0)
        : String.join(", ", clauses.subList(0, clauses.size() - 1)) + " and " + clauses.get(clauses.size() - 1);
    return joined + ", so " + conclusion.clause() + ".";
  }
}
