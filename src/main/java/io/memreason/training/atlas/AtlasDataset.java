package io.memreason.training.atlas;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.annotations.SerializedName;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The atlas world and its question sets, the training data of memreason's default model.
 *
 * <ul>
 *   <li>{@code train}: questions of every type with their ground-truth traces.
 *   <li>{@code test}: new questions (names and types never asked together in train) whose facts all appear in
 *       train traces, so a model that learned the facts and the question types can answer them.
 *   <li>{@code heldOut} and {@code heldOutTest}: questions about the held-out facts (the birthplaces of a few
 *       people), which no train or test trace states, so a first model is near chance on them. {@code heldOut} is
 *       what feedback teaches; {@code heldOutTest} asks other questions about the held-out facts that
 *       {@code heldOut} states.
 * </ul>
 *
 * The same seed and sizes always give the same dataset.
 */
public record AtlasDataset(AtlasWorld world, Sizes sizes, List<Fact> heldOutFacts, List<AtlasQuestion> train,
                           List<AtlasQuestion> test, List<AtlasQuestion> heldOut, List<AtlasQuestion> heldOutTest) {

  /**
   * How large the dataset is. Question counts are upper bounds: a type has only as many questions as its names
   * allow (there are few countries to ask about), and True/False types are kept balanced.
   *
   * @param heldOutPeople people whose birthplace is held out
   * @param trainPerType train questions of each type, at most
   * @param testPerType test questions of each type, at most
   * @param heldOutPerType held-out questions of each type, at most, shared between heldOut and heldOutTest
   */
  public record Sizes(AtlasWorld.Sizes world, int heldOutPeople, int trainPerType, int testPerType,
                      int heldOutPerType) {

    /**
     * About 1,150 train questions (about 50,000 tokens a pass, step tokens not counted), 250 test questions and
     * 25 held-out questions about 4 birthplaces.
     */
    public static final Sizes DEFAULT = new Sizes(AtlasWorld.Sizes.DEFAULT, 4, 150, 20, 6);

    public Sizes {
      if (heldOutPeople < 0 || heldOutPeople > world.people() - 2) {
        throw new IllegalArgumentException(
            "atlas dataset sizes: heldOutPeople must be 0.." + (world.people() - 2) + ", got " + heldOutPeople);
      }
      if (trainPerType < 1 || testPerType < 1 || heldOutPerType < 0) {
        throw new IllegalArgumentException("atlas dataset sizes: trainPerType and testPerType must be at least 1 and "
            + "heldOutPerType at least 0, got " + trainPerType + ", " + testPerType + ", " + heldOutPerType);
      }
    }
  }

  /** The question sets, as named in the JSON files' "split" field. */
  public enum Split {
    TRAIN("train"), TEST("test"), HELD_OUT("heldout"), HELD_OUT_TEST("heldout_test");

    private final String label;

    Split(String label) {
      this.label = label;
    }

    /** The value of the "split" field. */
    public String label() {
      return label;
    }

    /** The JSON file of this split, e.g. atlas_train.json. */
    public String fileName() {
      return "atlas_" + label + ".json";
    }
  }

  /** The JSON file describing the world: its names and every fact with its id. */
  public static final String WORLD_FILE = "atlas_world.json";

  /** Share of each type's questions (by names, all phrasings together) kept for the test split. */
  private static final double TEST_SHARE = 0.2;
  /** Mixed into the seed for the question stream, so drawing questions differently never changes the world. */
  private static final long QUESTION_STREAM = 0x9E3779B97F4A7C15L;

  public AtlasDataset {
    heldOutFacts = List.copyOf(heldOutFacts);
    train = List.copyOf(train);
    test = List.copyOf(test);
    heldOut = List.copyOf(heldOut);
    heldOutTest = List.copyOf(heldOutTest);
  }

  /** Generates the world of {@code seed} and draws its question sets. */
  public static AtlasDataset generate(long seed, Sizes sizes) {
    AtlasWorld world = AtlasWorld.generate(seed, sizes.world());
    Random random = new Random(seed ^ QUESTION_STREAM);
    List<String> people = new ArrayList<>(world.names(EntityKind.PERSON));
    Collections.shuffle(people, random);
    List<Fact> heldOutFacts = people.subList(0, sizes.heldOutPeople()).stream()
        .map(person -> world.fact(Relation.BORN_IN, person)).toList();
    Set<String> heldOut = heldOutFacts.stream().map(Fact::id).collect(Collectors.toSet());
    Pools pools = Pools.of(new AtlasQuestions(world), heldOut, random);

    List<AtlasQuestion> train = draw(pools.train(), sizes.trainPerType(), question -> true);
    Collections.shuffle(train, random);
    Set<String> trained = train.stream().flatMap(q -> q.facts().stream()).collect(Collectors.toSet());
    List<AtlasQuestion> test =
        draw(pools.test(), sizes.testPerType(), question -> trained.containsAll(question.facts()));
    // Held-out questions may use other facts too (Bram's birthplace next to Ilva's), but only trained ones.
    List<AtlasQuestion> aboutHeldOut = new ArrayList<>(draw(pools.heldOut(), sizes.heldOutPerType(),
        question -> question.facts().stream().allMatch(fact -> trained.contains(fact) || heldOut.contains(fact))));
    Collections.shuffle(aboutHeldOut, random);
    List<AtlasQuestion> teach = teaching(aboutHeldOut, heldOut);
    List<AtlasQuestion> check = aboutHeldOut.stream().filter(question -> !teach.contains(question)).toList();
    return new AtlasDataset(world, sizes, heldOutFacts, train, test, teach, check);
  }

  /**
   * Every type's questions, split by key (type and names) so that a test question is never a train question
   * rephrased: train keys in every phrasing, a share of the keys for test, and the keys whose traces use a
   * held-out fact.
   */
  private record Pools(Map<QuestionType, List<AtlasQuestion>> train, Map<QuestionType, List<AtlasQuestion>> test,
                       Map<QuestionType, List<AtlasQuestion>> heldOut) {

    static Pools of(AtlasQuestions questions, Set<String> heldOutFacts, Random random) {
      Pools pools = new Pools(new EnumMap<>(QuestionType.class), new EnumMap<>(QuestionType.class),
          new EnumMap<>(QuestionType.class));
      for (QuestionType type : QuestionType.values()) {
        List<List<String>> keys = new ArrayList<>(questions.subjects(type));
        Collections.shuffle(keys, random);
        List<List<String>> known = new ArrayList<>();
        List<AtlasQuestion> aboutHeldOut = new ArrayList<>();
        for (List<String> key : keys) {
          AtlasQuestion question = questions.ask(type, key, random.nextInt(type.phrasings().size()));
          if (question.facts().stream().anyMatch(heldOutFacts::contains)) {
            aboutHeldOut.add(question);
          } else {
            known.add(key);
          }
        }
        int testKeys = (int) Math.ceil(TEST_SHARE * known.size());
        pools.test().put(type, everyPhrasing(questions, type, known.subList(0, testKeys), random));
        pools.train().put(type, everyPhrasing(questions, type, known.subList(testKeys, known.size()), random));
        pools.heldOut().put(type, aboutHeldOut);
      }
      return pools;
    }
  }

  /**
   * About half of the held-out questions, to be taught by feedback: among them, for every held-out fact, the first
   * question that uses it, so heldOutTest never asks about a fact the taught questions do not state.
   */
  private static List<AtlasQuestion> teaching(List<AtlasQuestion> aboutHeldOut, Set<String> heldOutFacts) {
    List<AtlasQuestion> teach = new ArrayList<>();
    Set<String> taught = new HashSet<>();
    int others = 0;
    for (AtlasQuestion question : aboutHeldOut) {
      boolean teachesNewFact = question.facts().stream().anyMatch(f -> heldOutFacts.contains(f) && !taught.contains(f));
      if (teachesNewFact || teach.size() <= others) {
        teach.add(question);
        taught.addAll(question.facts());
      } else {
        others++;
      }
    }
    return teach;
  }

  /** The questions about each key in every phrasing, shuffled. */
  private static List<AtlasQuestion> everyPhrasing(AtlasQuestions questions, QuestionType type, List<List<String>> keys,
                                                   Random random) {
    List<AtlasQuestion> asked = new ArrayList<>();
    for (List<String> key : keys) {
      for (int phrasing = 0; phrasing < type.phrasings().size(); phrasing++) {
        asked.add(questions.ask(type, key, phrasing));
      }
    }
    Collections.shuffle(asked, random);
    return asked;
  }

  /**
   * Up to {@code perType} usable questions of each type, in type order. True/False types get as many True as
   * False answers, so always answering True is no help.
   */
  private static List<AtlasQuestion> draw(Map<QuestionType, List<AtlasQuestion>> pools, int perType,
                                          Predicate<AtlasQuestion> isUsable) {
    List<AtlasQuestion> drawn = new ArrayList<>();
    for (List<AtlasQuestion> pool : pools.values()) {
      List<AtlasQuestion> usable = pool.stream().filter(isUsable).toList();
      if (usable.isEmpty() || !usable.get(0).isTrueOrFalse()) {
        drawn.addAll(usable.subList(0, Math.min(perType, usable.size())));
        continue;
      }
      List<AtlasQuestion> yes = usable.stream().filter(q -> q.answer().equals(AtlasQuestions.TRUE)).toList();
      List<AtlasQuestion> no = usable.stream().filter(q -> q.answer().equals(AtlasQuestions.FALSE)).toList();
      int each = Math.min(perType / 2, Math.min(yes.size(), no.size()));
      for (int i = 0; i < each; i++) {
        drawn.add(yes.get(i));
        drawn.add(no.get(i));
      }
    }
    return drawn;
  }

  /** The questions of one split. */
  public List<AtlasQuestion> questions(Split split) {
    return switch (split) {
      case TRAIN -> train;
      case TEST -> test;
      case HELD_OUT -> heldOut;
      case HELD_OUT_TEST -> heldOutTest;
    };
  }

  /** Every word the dataset's texts use, without the special tokens: the vocabulary of the tokenizer. */
  public List<String> vocabulary() {
    return AtlasVocabulary.of(world);
  }

  /** A judge of generated steps against this dataset's world. */
  public StepJudge judge() {
    return new StepJudge(world);
  }

  /**
   * Writes one JSON file per split ({@link Split#fileName()}) in the seed datasets' format, with each question's
   * id, type and facts added, and {@value #WORLD_FILE}.
   */
  public void writeTo(Path directory) throws IOException {
    Files.createDirectories(directory);
    Gson gson = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();
    for (Split split : Split.values()) {
      List<QuestionJson> rows = questions(split).stream().map(q -> QuestionJson.of(q, split)).toList();
      Files.writeString(directory.resolve(split.fileName()), gson.toJson(rows), StandardCharsets.UTF_8);
    }
    Set<String> heldOutIds = heldOutFacts.stream().map(Fact::id).collect(Collectors.toSet());
    List<FactJson> facts = world.facts().values().stream()
        .map(fact -> new FactJson(fact.id(), fact.relation().id(), fact.subject(), fact.object(), fact.sentence(),
            heldOutIds.contains(fact.id())))
        .toList();
    WorldJson worldJson = new WorldJson(world.seed(), sizes, world.entities(), facts);
    Files.writeString(directory.resolve(WORLD_FILE), gson.toJson(worldJson), StandardCharsets.UTF_8);
  }

  /** One question as the seed datasets write it, plus id, type, names and facts. */
  private record QuestionJson(String id, String question, String answer,
                              @SerializedName("cot_steps") List<String> cotSteps, String split, String type,
                              List<String> about, List<String> facts) {
    static QuestionJson of(AtlasQuestion q, Split split) {
      return new QuestionJson(q.id(), q.question(), q.answer(), q.cotSteps(), split.label(), q.type().id(), q.about(),
          q.facts());
    }
  }

  private record FactJson(String id, String relation, String subject, String object, String sentence,
                          @SerializedName("held_out") boolean heldOut) {}

  private record WorldJson(long seed, Sizes sizes, Map<EntityKind, List<String>> entities, List<FactJson> facts) {}
}
