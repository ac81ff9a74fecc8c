package io.memreason.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every MEMREASON_* variable the deployment files set has an effect: memreason takes a configuration key from it
 * (and a pass-through key is a real setting of its library), or the launcher or CLI reads it.
 */
class EnvironmentVariablesTest {
  private static final Pattern SHELL_REFERENCE = Pattern.compile("\\$\\{(MEMREASON_[A-Z0-9_]+)");

  /** The MEMREASON_* variables one deployment source sets (or, for the health check, reads). */
  private static Set<String> variablesOf(String source) {
    Set<String> names = new TreeSet<>();
    switch (source) {
      case "docker/Dockerfile" -> Dockerfile.FLAVOURS.forEach(f -> names.addAll(Dockerfile.read().environment(f).keySet()));
      case "docker/healthcheck" -> {
        Matcher m = SHELL_REFERENCE.matcher(Repository.text(source));
        while (m.find()) {
          names.add(m.group(1));
        }
      }
      case "docker/compose.yaml" -> Tree.map(Repository.yaml(source), "services").values().forEach(service ->
          Tree.find(service, "environment").ifPresent(env -> names.addAll(Tree.map(env).keySet())));
      default -> Kustomize.render(source).resources().forEach(r -> {
        if (List.of("StatefulSet", "CronJob").contains(r.get("kind"))) {
          Tree.maps(Manifests.podSpec(r), "containers").forEach(c -> names.addAll(Manifests.environment(c).values().keySet()));
        }
      });
    }
    names.removeIf(n -> !n.startsWith(EnvironmentVariables.PREFIX));
    return names;
  }

  @ParameterizedTest
  @ValueSource(strings = {"docker/Dockerfile", "docker/healthcheck", "docker/compose.yaml", "k8s/overlays/cpu",
      "k8s/overlays/gpu"})
  void everyVariableSetsAConfigurationKeyOrIsReadByTheLauncher(String source) {
    List<String> problems = new ArrayList<>();
    for (String name : variablesOf(source)) {
      if (EnvironmentVariables.READ_BY.containsKey(name)) {
        continue;
      }
      Set<String> keys = EnvironmentVariables.keysSetBy(name);
      if (keys.isEmpty()) {
        problems.add(name + " sets no configuration key and nothing reads it");
      }
      keys.forEach(k -> ConfigurationKeys.problem(k).ifPresent(p -> problems.add(name + ": " + p)));
    }
    assertEquals(List.of(), problems, source);
  }

  @Test
  void variablesThatAreNotKeysAreReadByTheFileNamedForThem() {
    for (Map.Entry<String, String> e : EnvironmentVariables.READ_BY.entrySet()) {
      assertTrue(Repository.text(e.getValue()).contains(e.getKey()), e.getValue() + " does not read " + e.getKey());
      assertTrue(EnvironmentVariables.keysSetBy(e.getKey()).isEmpty(), e.getKey() + " is also a configuration key");
    }
  }

  @Test
  void aMisspeltPassThroughVariableIsCaught() {
    assertEquals(Set.of("streams.group.instanceid"), EnvironmentVariables.keysSetBy("MEMREASON_STREAMS_GROUP_INSTANCEID"));
    assertTrue(ConfigurationKeys.problem("streams.group.instanceid").isPresent());
    assertTrue(EnvironmentVariables.keysSetBy("MEMREASON_ENGINE_MAXBATCH").isEmpty(), "not a key: memreason ignores it");
  }
}
