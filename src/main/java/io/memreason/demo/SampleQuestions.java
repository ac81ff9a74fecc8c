package io.memreason.demo;

import io.memreason.avro.Question;
import io.memreason.avro.Task;
import io.memreason.config.MemreasonConfig;
import io.memreason.training.DefaultModel;
import io.memreason.training.atlas.AtlasQuestion;
import io.memreason.training.atlas.QuestionType;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The questions of {@code demo} and {@code bench pipeline}. The default model knows only its atlas world, so it is
 * asked the atlas test questions (facts it was trained on, phrasings it never saw); a configured model is asked the
 * general questions bundled as {@code demo/questions.tsv}: one a line, {@code TASK <tab> question [<tab> option |
 * option ...]}.
 */
public final class SampleQuestions {
  /** A question without its id and submission time. */
  private record Sample(Task task, String text, List<String> options) {}

  private final List<Sample> samples;

  private SampleQuestions(List<Sample> samples) {
    this.samples = samples;
  }

  /** The questions for the model {@code config} serves. */
  public static SampleQuestions forModel(MemreasonConfig config) {
    return config.model().dir().isPresent() ? bundled() : atlas(DefaultModel.defaultRecipe().dataset().test());
  }

  /** {@code count} questions with ids {@code prefix0, prefix1, ...}, cycling through the samples. */
  public List<Question> take(int count, String idPrefix) {
    List<Question> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Sample s = samples.get(i % samples.size());
      Question.Builder q = Question.newBuilder().setId(idPrefix + i).setTask(s.task()).setText(s.text())
          .setSubmittedAt(Instant.now());
      if (!s.options().isEmpty()) {
        q.setOptions(s.options());
      }
      out.add(q.build());
    }
    return out;
  }

  /**
   * One question of each type in turn, the types with the longest traces first, so that even a few questions show
   * memory steps combined by reason steps.
   */
  public static SampleQuestions atlas(List<AtlasQuestion> questions) {
    Map<QuestionType, Integer> seen = new EnumMap<>(QuestionType.class);
    record Ranked(AtlasQuestion question, int round) {}
    List<Ranked> ranked = new ArrayList<>();
    for (AtlasQuestion q : questions) {
      ranked.add(new Ranked(q, seen.merge(q.type(), 1, Integer::sum)));
    }
    ranked.sort(Comparator.comparingInt(Ranked::round)
        .thenComparingInt(r -> -r.question().cotSteps().size())
        .thenComparing(r -> r.question().type()));
    return new SampleQuestions(ranked.stream()
        .map(r -> new Sample(Task.ATLAS, r.question().question(), List.of())).toList());
  }

  private static SampleQuestions bundled() {
    try (InputStream in = SampleQuestions.class.getResourceAsStream("/demo/questions.tsv")) {
      if (in == null) {
        throw new IllegalStateException("demo/questions.tsv is missing from the class path: rebuild with mvn package");
      }
      List<Sample> samples = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines()
          .filter(l -> !l.isBlank() && !l.startsWith("#"))
          .map(l -> l.split("\t"))
          .map(f -> new Sample(Task.valueOf(f[0]), f[1],
              f.length > 2 ? Arrays.stream(f[2].split("\\|")).map(String::strip).toList() : List.of()))
          .toList();
      return new SampleQuestions(samples);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
