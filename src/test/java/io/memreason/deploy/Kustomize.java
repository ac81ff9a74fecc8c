package io.memreason.deploy;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code kubectl kustomize}: a kustomization rendered to the resources {@code kubectl apply -k} would apply. Tests that
 * need it are skipped where kubectl (with kustomize v5, i.e. kubectl 1.27 or newer) is missing, except in CI
 * ({@code CI} set), where a missing renderer fails them.
 */
final class Kustomize {
  private static final Map<Path, Manifests> RENDERED = new ConcurrentHashMap<>();
  private static volatile Boolean available;

  private Kustomize() {}

  static Manifests render(String folder) {
    return render(Repository.path(folder));
  }

  static Manifests render(Path folder) {
    assumeTrue(available() || System.getenv("CI") != null,
        "kubectl with kustomize v5 is not installed: the rendered kustomizations are not checked");
    return RENDERED.computeIfAbsent(folder.toAbsolutePath().normalize(), Kustomize::run);
  }

  private static boolean available() {
    if (available == null) {
      try {
        available = output(List.of("kubectl", "version", "--client")).contains("Kustomize Version: v5");
      } catch (IOException | AssertionError e) {
        available = false;
      }
    }
    return available;
  }

  @SuppressWarnings("unchecked")
  private static Manifests run(Path folder) {
    try {
      List<Map<String, Object>> resources = new ArrayList<>();
      for (Object doc : Repository.yamlDocuments(output(List.of("kubectl", "kustomize", folder.toString())),
          folder.toString())) {
        resources.add((Map<String, Object>) doc);
      }
      return new Manifests(folder, resources);
    } catch (IOException e) {
      throw new AssertionError("cannot run kubectl kustomize " + folder + ": " + e.getMessage(), e);
    }
  }

  /** The command's standard output; its error output (kustomize's warnings) goes to a file so no pipe fills up. */
  private static String output(List<String> command) throws IOException {
    Path errors = Files.createTempFile("kubectl", ".err");
    try {
      Process p = new ProcessBuilder(command).redirectError(errors.toFile()).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new AssertionError(String.join(" ", command) + " failed: " + Files.readString(errors).strip());
      }
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } finally {
      Files.deleteIfExists(errors);
    }
  }
}
