package io.memreason.cli;

import io.memreason.avro.Question;
import io.memreason.avro.Task;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The questions of {@code demo} and {@code bench pipeline}, bundled as {@code demo/questions.tsv}: one a line,
 * {@code TASK <tab> question [<tab> option | option ...]}.
 */
final class SampleQuestions {
  private SampleQuestions() {}

  /** {@code count} questions with ids {@code prefix0, prefix1, ...}, cycling through the bundled ones. */
  static List<Question> take(int count, String idPrefix) {
    List<String[]> lines = bundled();
    List<Question> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String[] f = lines.get(i % lines.size());
      Question.Builder q = Question.newBuilder().setId(idPrefix + i).setTask(Task.valueOf(f[0])).setText(f[1])
          .setSubmittedAt(Instant.now());
      if (f.length > 2) {
        q.setOptions(Arrays.stream(f[2].split("\\|")).map(String::strip).toList());
      }
      out.add(q.build());
    }
    return out;
  }

  private static List<String[]> bundled() {
    try (InputStream in = SampleQuestions.class.getResourceAsStream("/demo/questions.tsv")) {
      if (in == null) {
        throw new IllegalStateException("demo/questions.tsv is missing from the class path: rebuild with mvn package");
      }
      List<String[]> lines = new ArrayList<>();
      new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines()
          .filter(l -> !l.isBlank() && !l.startsWith("#"))
          .forEach(l -> lines.add(l.split("\t")));
      return lines;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
