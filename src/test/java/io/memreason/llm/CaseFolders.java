package io.memreason.llm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Where the acceptance tests find their cases: folders under {@code ../shared} ({@code -Dmemreason.shared}), and the
 * held-out folders listed in {@code -Dmemreason.golden.dirs=a,b,...}, each of which is a golden checkpoint case or a
 * reference-run case by its layout.
 */
public final class CaseFolders {
  private CaseFolders() {}

  /** The folders of {@code -Dmemreason.golden.dirs}. */
  public static List<Path> listed() {
    String extra = System.getProperty("memreason.golden.dirs", "");
    return Arrays.stream(extra.split(",")).map(String::trim).filter(s -> !s.isEmpty()).map(Path::of).toList();
  }

  /** The subfolders of {@code ../shared/<name>} that are cases, by name; none when the shared folder is not set. */
  public static List<Path> shared(String name, Predicate<Path> isCase) {
    String shared = System.getProperty("memreason.shared");
    if (shared == null || !Files.isDirectory(Path.of(shared, name))) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(Path.of(shared, name))) {
      return s.filter(isCase).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A reference-run case: the base model ({@code base/}), the run ({@code run/}) and {@code expected.json}. */
  public static boolean isReferenceRun(Path dir) {
    return Files.isDirectory(dir.resolve("base")) && Files.isDirectory(dir.resolve("run"))
        && Files.isRegularFile(dir.resolve("expected.json"));
  }
}
