package io.memreason.training.atlas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.memreason.reasoning.StepKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtlasDatasetTest {

  private static final AtlasDataset DATASET = AtlasDataset.generate(42, AtlasDataset.Sizes.DEFAULT);

  @Test
  void sameSeedGivesTheSameQuestions() {
    AtlasDataset again = AtlasDataset.generate(42, AtlasDataset.Sizes.DEFAULT);
    for (AtlasDataset.Split split : AtlasDataset.Split.values()) {
      assertEquals(DATASET.questions(split), again.questions(split), split.label());
    }
    assertEquals(DATASET.heldOutFacts(), again.heldOutFacts());
  }

  @Test
  void otherSeedGivesOtherQuestions() {
    assertFalse(DATASET.train().equals(AtlasDataset.generate(43, AtlasDataset.Sizes.DEFAULT).train()));
  }

  @Test
  void judgeAcceptsEveryGroundTruthStep() {
    StepJudge judge = DATASET.judge();
    for (AtlasQuestion question : all()) {
      for (String step : question.cotSteps()) {
        assertEquals(StepJudgement.CORRECT, judge.judge(kind(step), text(step)), question.id() + ": " + step);
      }
    }
  }

  @Test
  void judgeRejectsMemoryStepsRecallingAnotherValue() {
    StepJudge judge = DATASET.judge();
    for (AtlasQuestion question : all()) {
      for (String step : question.cotSteps()) {
        if (kind(step) == StepKind.MEMORY) {
          String text = text(step); // "Ilva was born in Tarsen." -> "Ilva was born in Kesh."
          String value = WordLevelTokenizerJson.words(text).stream()
              .filter(word -> DATASET.world().kindOf(word).isPresent()).reduce((first, second) -> second).orElseThrow();
          String changed = text.replace(" " + value, " " + otherOfSameKind(value));
          assertEquals(StepJudgement.WRONG, judge.judge(StepKind.MEMORY, changed), question.id() + ": " + changed);
        }
      }
    }
  }

  @Test
  void judgeRejectsReasonStepsWithTheOtherConclusion() {
    StepJudge judge = DATASET.judge();
    for (AtlasQuestion question : all()) {
      for (String step : question.cotSteps()) {
        if (kind(step) == StepKind.REASON) {
          String text = text(step);
          int so = text.indexOf(", so ") + ", so ".length();
          String conclusion = text.substring(so);
          String changed = text.substring(0, so) + (question.isTrueOrFalse()
              ? negated(conclusion)
              : conclusion.replace(question.answer() + ".", otherOfSameKind(question.answer()) + "."));
          assertEquals(StepJudgement.WRONG, judge.judge(StepKind.REASON, changed), question.id() + ": " + changed);
        }
      }
    }
  }

  @Test
  void everyQuestionRecallsExactlyTheFactsItsMemoryStepsState() {
    for (AtlasQuestion question : all()) {
      List<String> memorySteps =
          question.cotSteps().stream().filter(s -> kind(s) == StepKind.MEMORY).map(this::text).toList();
      List<String> factSentences =
          question.facts().stream().map(id -> DATASET.world().facts().get(id).sentence()).toList();
      assertEquals(factSentences, memorySteps, question.id());
    }
  }

  @Test
  void heldOutFactsAppearInNoTrainOrTestTrace() {
    assertEquals(AtlasDataset.Sizes.DEFAULT.heldOutPeople(), DATASET.heldOutFacts().size());
    for (Fact fact : DATASET.heldOutFacts()) {
      String bornPhrase = fact.subject() + " was born in";
      for (AtlasQuestion question : concat(DATASET.train(), DATASET.test())) {
        assertFalse(question.facts().contains(fact.id()), question.id() + " uses " + fact.id());
        assertTrue(question.cotSteps().stream().noneMatch(step -> step.contains(bornPhrase)), question.id());
      }
    }
  }

  @Test
  void heldOutQuestionsAllUseHeldOutFactsAndTeachEachOneBeforeItIsTested() {
    Set<String> heldOutIds = DATASET.heldOutFacts().stream().map(Fact::id).collect(Collectors.toSet());
    for (AtlasQuestion question : concat(DATASET.heldOut(), DATASET.heldOutTest())) {
      assertTrue(question.facts().stream().anyMatch(heldOutIds::contains), question.id());
    }
    Set<String> taught = facts(DATASET.heldOut());
    assertTrue(taught.containsAll(heldOutIds), "every held-out fact is stated by some heldOut question");
    assertFalse(DATASET.heldOutTest().isEmpty());
    Set<String> trained = facts(DATASET.train());
    for (AtlasQuestion question : DATASET.heldOutTest()) {
      assertTrue(question.facts().stream().allMatch(f -> trained.contains(f) || taught.contains(f)), question.id());
    }
  }

  @Test
  void testQuestionsAreNewQuestionsAboutTrainedFacts() {
    Set<String> trainKeys = DATASET.train().stream().map(AtlasQuestion::key).collect(Collectors.toSet());
    Set<String> trained = facts(DATASET.train());
    for (AtlasQuestion question : DATASET.test()) {
      assertFalse(trainKeys.contains(question.key()), question.id() + " is asked in train too");
      assertTrue(trained.containsAll(question.facts()), question.id() + " uses a fact no train trace states");
    }
  }

  @Test
  void everySplitAsksEveryTypeAndTrainAndTestAskAll() {
    EnumSet<QuestionType> trainTypes = EnumSet.noneOf(QuestionType.class);
    EnumSet<QuestionType> testTypes = EnumSet.noneOf(QuestionType.class);
    DATASET.train().forEach(q -> trainTypes.add(q.type()));
    DATASET.test().forEach(q -> testTypes.add(q.type()));
    assertEquals(EnumSet.allOf(QuestionType.class), trainTypes);
    assertEquals(EnumSet.allOf(QuestionType.class), testTypes);
    assertTrue(DATASET.train().size() > 500, "train has " + DATASET.train().size());
    assertTrue(DATASET.test().size() > 100, "test has " + DATASET.test().size());
  }

  @Test
  void trueFalseQuestionsAreBalancedInEveryType() {
    for (AtlasDataset.Split split : List.of(AtlasDataset.Split.TRAIN, AtlasDataset.Split.TEST)) {
      for (QuestionType type : QuestionType.values()) {
        List<AtlasQuestion> ofType = DATASET.questions(split).stream().filter(q -> q.type() == type).toList();
        long yes = ofType.stream().filter(q -> q.answer().equals("True")).count();
        long no = ofType.stream().filter(q -> q.answer().equals("False")).count();
        assertTrue(yes == no || yes + no == 0, split + " " + type + ": " + yes + " True, " + no + " False");
      }
    }
  }

  @Test
  void answersAreOneWordThatEndsTheAnswerLine() {
    for (AtlasQuestion question : all()) {
      assertEquals(List.of(question.answer()), WordLevelTokenizerJson.words(question.answer()), question.id());
    }
  }

  @Test
  void everyTrainingTextFitsSixtyFourTokensBeforeStepTokens() {
    for (AtlasQuestion question : all()) {
      int tokens = WordLevelTokenizerJson.words(trainingTextWithoutStepTokens(question)).size();
      assertTrue(tokens <= 64, question.id() + " has " + tokens + " tokens");
    }
  }

  @Test
  void vocabularyHasEveryWordOfEveryExampleAndTheStepTokenWords() {
    Set<String> vocabulary = new HashSet<>(DATASET.vocabulary());
    assertTrue(vocabulary.containsAll(AtlasVocabulary.STEP_TOKEN_WORDS));
    assertTrue(vocabulary.contains("\n"));
    for (AtlasQuestion question : all()) {
      for (String word : WordLevelTokenizerJson.words(trainingTextWithoutStepTokens(question))) {
        assertTrue(vocabulary.contains(word), question.id() + ": '" + word + "'");
      }
    }
  }

  @Test
  void writesEverySplitInTheSeedDatasetsFormat(@TempDir Path directory) throws IOException {
    DATASET.writeTo(directory);
    Set<String> seedFields = JsonParser.parseString(Files.readString(seedDataset())).getAsJsonArray()
        .get(0).getAsJsonObject().keySet();
    for (AtlasDataset.Split split : AtlasDataset.Split.values()) {
      JsonArray rows = JsonParser.parseString(Files.readString(directory.resolve(split.fileName()))).getAsJsonArray();
      List<AtlasQuestion> questions = DATASET.questions(split);
      assertEquals(questions.size(), rows.size(), split.label());
      for (int i = 0; i < rows.size(); i++) {
        JsonObject row = rows.get(i).getAsJsonObject();
        assertTrue(row.keySet().containsAll(seedFields), row.keySet().toString());
        assertEquals(split.label(), row.get("split").getAsString());
        assertEquals(questions.get(i).question(), row.get("question").getAsString());
        assertEquals(questions.get(i).answer(), row.get("answer").getAsString());
        assertEquals(questions.get(i).cotSteps(), strings(row.getAsJsonArray("cot_steps")));
        assertEquals(questions.get(i).facts(), strings(row.getAsJsonArray("facts")));
      }
    }
    JsonObject world =
        JsonParser.parseString(Files.readString(directory.resolve(AtlasDataset.WORLD_FILE))).getAsJsonObject();
    JsonArray facts = world.getAsJsonArray("facts");
    assertEquals(DATASET.world().facts().size(), facts.size());
    long heldOut = facts.asList().stream().filter(f -> f.getAsJsonObject().get("held_out").getAsBoolean()).count();
    assertEquals(DATASET.heldOutFacts().size(), heldOut);
  }

  /** The training text the method builds from a question, without its step tokens: what the tokenizer sees. */
  static String trainingTextWithoutStepTokens(AtlasQuestion question) {
    StringBuilder text = new StringBuilder("Question: " + question.question() + "\n ");
    for (String step : question.cotSteps()) {
      text.append(' ').append(step.substring(step.indexOf("]: ") + 3)).append('\n');
    }
    return text.append(" The answer is: ").append(question.answer()).append('\n').toString();
  }

  private static String otherOfSameKind(String name) {
    AtlasWorld world = DATASET.world();
    List<String> sameKind = world.names(world.kindOf(name).orElseThrow());
    return sameKind.stream().filter(other -> !other.equals(name)).findFirst().orElseThrow();
  }

  /** "Ilva is older than Bram." → "Ilva is not older than Bram." and back, for every True/False conclusion. */
  private static String negated(String conclusion) {
    if (conclusion.contains(" does not live in ")) {
      return conclusion.replace(" does not live in ", " lives in ");
    }
    if (conclusion.contains(" lives in the city where ")) {
      return conclusion.replace(" lives in ", " does not live in ");
    }
    if (conclusion.contains(" not ")) {
      return conclusion.replace(" not ", " ");
    }
    return conclusion.replace(" is older", " is not older").replace(" were born", " were not born")
        .replace(" was born", " was not born").replace(" is in ", " is not in ")
        .replace(" is made of ", " is not made of ");
  }

  private StepKind kind(String cotStep) {
    if (cotStep.startsWith("[rag]: ")) {
      return StepKind.MEMORY;
    }
    if (cotStep.startsWith("[reason]: ")) {
      return StepKind.REASON;
    }
    throw new AssertionError("unlabelled step: " + cotStep);
  }

  private String text(String cotStep) {
    return cotStep.substring(cotStep.indexOf("]: ") + 3);
  }

  private static List<AtlasQuestion> all() {
    return Stream.of(AtlasDataset.Split.values()).flatMap(split -> DATASET.questions(split).stream()).toList();
  }

  private static List<AtlasQuestion> concat(List<AtlasQuestion> first, List<AtlasQuestion> second) {
    List<AtlasQuestion> both = new ArrayList<>(first);
    both.addAll(second);
    return both;
  }

  private static Set<String> facts(Collection<AtlasQuestion> questions) {
    return questions.stream().flatMap(q -> q.facts().stream()).collect(Collectors.toSet());
  }

  private static List<String> strings(JsonArray array) {
    return array.asList().stream().map(JsonElement::getAsString).toList();
  }

  private static Path seedDataset() {
    return Path.of(System.getProperty("memreason.shared"), "seed", "datasets", "StrategyQA_train_clean.json");
  }
}
