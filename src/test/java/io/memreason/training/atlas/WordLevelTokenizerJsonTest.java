package io.memreason.training.atlas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The written tokenizer.json as the runtime sees it: loaded by DJL's binding of Hugging Face tokenizers. */
class WordLevelTokenizerJsonTest {

  private static final AtlasDataset DATASET = AtlasDataset.generate(42, AtlasDataset.Sizes.DEFAULT);
  private static final List<String> VOCABULARY = WordLevelTokenizerJson.vocabulary(DATASET.vocabulary());
  /** The method's step-token groups for P = 2, S = 4, as the runtime writes them around the steps. */
  private static final String PREFIX = " <prefix_0> <prefix_1>";
  private static final String MEMORY = " <memory_0> <memory_1> <memory_2> <memory_3>";
  private static final String REASON = " <reason_0> <reason_1> <reason_2> <reason_3>";
  private static final String ANSWER = " <answer_0> <answer_1> <answer_2> <answer_3>";
  private static final Pattern STEP_TOKEN = Pattern.compile("<(prefix|memory|reason|answer|assignment)_\\d+>");

  @TempDir
  static Path directory;
  private static HuggingFaceTokenizer tokenizer;

  @BeforeAll
  static void writeAndLoad() throws IOException {
    Path file = directory.resolve("tokenizer.json");
    WordLevelTokenizerJson.write(file, DATASET.vocabulary());
    tokenizer = HuggingFaceTokenizer.newInstance(file);
  }

  @AfterAll
  static void close() {
    tokenizer.close();
  }

  @Test
  void specialTokensComeFirstAndEncodingWithThemPutsBosFirst() {
    for (int id = 0; id < WordLevelTokenizerJson.SPECIAL_TOKENS.size(); id++) {
      assertEquals(WordLevelTokenizerJson.SPECIAL_TOKENS.get(id), VOCABULARY.get(id));
    }
    long[] ids = tokenizer.encode("Question:", true, false).getIds();
    assertArrayEquals(new long[] {1, VOCABULARY.indexOf("Question"), VOCABULARY.indexOf(":")}, ids);
  }

  @Test
  void encodesAWholeTrainingTextWithItsNewlinesAndDecodesItBack() {
    AtlasQuestion question = DATASET.train().stream().filter(q -> q.cotSteps().size() == 3).findFirst().orElseThrow();
    String text = AtlasDatasetTest.trainingTextWithoutStepTokens(question);
    long[] ids = tokenizer.encode(text, false, false).getIds();
    long newline = VOCABULARY.indexOf("\n");
    assertEquals(5, Arrays.stream(ids).filter(id -> id == newline).count(), "question, three steps and the answer");
    String expected = "Question: " + question.question() + "\n"
        + String.join("\n", question.cotSteps().stream().map(step -> step.substring(step.indexOf("]: ") + 3)).toList())
        + "\nThe answer is: " + question.answer() + "\n";
    assertEquals(expected, tokenizer.decode(ids, true));
  }

  @Test
  void everyExampleSplitOnStepTokensEncodesWithoutUnknownWordsAndDecodesToItsText() {
    Stream.of(AtlasDataset.Split.values()).flatMap(split -> DATASET.questions(split).stream()).forEach(question -> {
      for (String segment : STEP_TOKEN.split(trainingTextWithStepTokens(question))) {
        Encoding encoding = tokenizer.encode(segment, false, false);
        long[] expectedIds = WordLevelTokenizerJson.words(segment).stream().mapToLong(VOCABULARY::indexOf).toArray();
        assertArrayEquals(expectedIds, encoding.getIds(), "the Java split is the tokenizer's: '" + segment + "'");
        assertTrue(Arrays.stream(encoding.getIds()).allMatch(id -> id > 0), question.id() + ": '" + segment + "'");
        assertEquals(segment.replaceAll("^ +| +$", ""), tokenizer.decode(encoding.getIds(), true), question.id());
      }
    });
  }

  @Test
  void answerLineDecodesSoTheAtlasAnswerRuleReadsIt() {
    long[] ids = tokenizer.encode(" The answer is: True\n", false, false).getIds();
    String decoded = tokenizer.decode(ids, true);
    int after = decoded.indexOf("The answer is:") + "The answer is:".length();
    assertEquals("True", decoded.substring(after, decoded.indexOf('\n', after)).trim());
  }

  @Test
  void spacesAroundStepTokensCostNoToken() {
    assertEquals(0, tokenizer.encode(" ", false, false).getIds().length);
    assertEquals(0, tokenizer.encode("  \t ", false, false).getIds().length);
  }

  @Test
  void unknownWordsBecomeUnk() {
    long[] ids = tokenizer.encode("Zork was born", false, false).getIds();
    assertEquals(0, ids[0]);
    assertNotEquals(0, ids[1]);
  }

  @Test
  void stepTokenWordsHaveTheirOwnIds() {
    for (String word : AtlasVocabulary.STEP_TOKEN_WORDS) {
      long[] ids = tokenizer.encode(word, false, false).getIds();
      assertArrayEquals(new long[] {VOCABULARY.indexOf(word)}, ids, word);
      assertTrue(ids[0] >= WordLevelTokenizerJson.SPECIAL_TOKENS.size(), word);
    }
  }

  /** The method's training text (method.md): question, steps behind their step tokens, answer. */
  private static String trainingTextWithStepTokens(AtlasQuestion question) {
    StringBuilder text = new StringBuilder("Question: " + question.question() + "\n ");
    for (String step : question.cotSteps()) {
      String kind = step.startsWith("[rag]: ") ? MEMORY : REASON;
      text.append(PREFIX).append(kind).append(' ').append(step.substring(step.indexOf("]: ") + 3)).append('\n');
    }
    return text.append(PREFIX).append(ANSWER).append(" The answer is: ").append(question.answer()).append('\n').toString();
  }
}
