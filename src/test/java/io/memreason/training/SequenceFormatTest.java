package io.memreason.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashSet;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SequenceFormatTest {

  private static final int BOS = 1;
  private static final int EOS = 2;
  /** One token per character, so lengths are easy to count. */
  private static final TokenEncoder CHARACTERS = text -> text.chars().toArray();

  private final TrainingText text = new TrainingText("Q: hi?\n ", " A: yes\n");

  @Test
  void framesTheTextWithBosAndEos() {
    TrainingSequence sequence = SequenceFormat.of(BOS, EOS, 100).encode(text, CHARACTERS);
    int[] expected = IntStream.concat(IntStream.concat(IntStream.of(BOS), "Q: hi?\n  A: yes\n".chars()), IntStream.of(EOS))
        .toArray();
    assertArrayEquals(expected, sequence.ids());
  }

  @Test
  void aTokenizerWithoutBosStartsTheSequenceWithTheText() {
    TrainingSequence sequence = SequenceFormat.of(-1, EOS, 100).encode(text, CHARACTERS);
    assertArrayEquals(IntStream.concat("Q: hi?\n  A: yes\n".chars(), IntStream.of(EOS)).toArray(), sequence.ids());
    assertEquals(8, sequence.firstSupervisedPosition(), "the 8 question characters at 0..7 are masked");
    assertEquals(12, SequenceFormat.of(-1, EOS, 12).encode(text, CHARACTERS).length() - 1, "cut to 12 tokens, then EOS");
  }

  @Test
  void masksTheWholeQuestionByDefault() {
    TrainingSequence sequence = SequenceFormat.of(BOS, EOS, 100).encode(text, CHARACTERS);
    // BOS at 0, the 8 question characters at 1..8: the first predicted token is the target's first, at 9.
    assertEquals(9, sequence.firstSupervisedPosition());
    assertEquals(' ', sequence.ids()[9]);
  }

  @Test
  void reproducesTheReferencesMaskThatTrainsOnTheLastQuestionToken() {
    TrainingSequence sequence = new SequenceFormat(BOS, EOS, 100, true).encode(text, CHARACTERS);
    assertEquals(8, sequence.firstSupervisedPosition());
    assertEquals(' ', sequence.ids()[8]);
    assertEquals('\n', sequence.ids()[7]);
  }

  @Test
  void cutsToTheMaxLengthCountingBosThenAppendsEos() {
    TrainingSequence sequence = SequenceFormat.of(BOS, EOS, 12).encode(text, CHARACTERS);
    assertEquals(13, sequence.length());
    assertArrayEquals(IntStream.concat(IntStream.concat(IntStream.of(BOS), "Q: hi?\n  A:".chars()), IntStream.of(EOS))
        .toArray(), sequence.ids());
    assertEquals(9, sequence.firstSupervisedPosition());
  }

  @Test
  void aQuestionLongerThanTheMaxLengthLeavesOnlyEosToLearn() {
    TrainingSequence fixed = SequenceFormat.of(BOS, EOS, 5).encode(text, CHARACTERS);
    assertEquals(6, fixed.length());
    assertEquals(5, fixed.firstSupervisedPosition());
    assertEquals(4, new SequenceFormat(BOS, EOS, 5, true).encode(text, CHARACTERS).firstSupervisedPosition());
  }

  @Test
  void refusesAMaxLengthWithoutRoomForATokenAfterBos() {
    assertThrows(IllegalArgumentException.class, () -> SequenceFormat.of(BOS, EOS, 1));
  }

  @Test
  void shufflesTheSameWayForTheSameSeed() {
    List<TrainingText> texts = IntStream.range(0, 50).mapToObj(i -> new TrainingText("q" + i, "t" + i)).toList();
    TrainingSet set = new TrainingSet(texts);
    assertEquals(set.shuffled(42), set.shuffled(42));
    assertNotEquals(set.shuffled(42), set.shuffled(43));
    assertNotEquals(set, set.shuffled(42));
    assertEquals(new HashSet<>(texts), new HashSet<>(set.shuffled(42).texts()));
  }
}
