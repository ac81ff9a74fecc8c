package io.memreason.deploy;

import static io.memreason.deploy.Tree.find;
import static io.memreason.deploy.Tree.map;
import static io.memreason.deploy.Tree.maps;
import static io.memreason.deploy.Tree.string;

import io.memreason.config.MemreasonConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The resources of a rendered kustomization, and what a container in them sees: its environment as the kubelet
 * resolves it, and the memreason configuration that environment and the mounted ConfigMap give it.
 */
record Manifests(Path folder, List<Map<String, Object>> resources) {
  private static final Pattern REFERENCE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

  /**
   * A container's environment in order, {@code $(NAME)} references expanded; values from elsewhere are shown as
   * placeholders ({@code <secret NAME/KEY>}, {@code <metadata.name>}). {@code fromSecrets}: the variables whose value
   * is, or contains, a secret's.
   */
  record Environment(Map<String, String> values, Set<String> fromSecrets) {}

  List<Map<String, Object>> all(String kind) {
    return resources.stream().filter(r -> kind.equals(r.get("kind"))).toList();
  }

  Map<String, Object> one(String kind, String name) {
    return all(kind).stream().filter(r -> name.equals(string(r, "metadata", "name"))).findFirst()
        .orElseThrow(() -> new AssertionError(folder + " renders no " + kind + " " + name));
  }

  /** The pod spec of a workload: StatefulSet, Deployment, Job or CronJob. */
  static Map<String, Object> podSpec(Map<String, Object> workload) {
    return "CronJob".equals(workload.get("kind"))
        ? map(workload, "spec", "jobTemplate", "spec", "template", "spec")
        : map(workload, "spec", "template", "spec");
  }

  static Map<String, Object> container(Map<String, Object> workload, String name) {
    return maps(podSpec(workload), "containers").stream().filter(c -> name.equals(c.get("name"))).findFirst()
        .orElseThrow(() -> new AssertionError(string(workload, "metadata", "name") + " has no container " + name));
  }

  /** Where a container mounts the volume (pod volume or volume claim template) a predicate picks, if it does. */
  static Optional<String> mountPath(Map<String, Object> workload, String container,
                                    Predicate<Map<String, Object>> volume) {
    Set<String> names = new HashSet<>();
    maps(podSpec(workload), "volumes").stream().filter(volume).forEach(v -> names.add(string(v, "name")));
    find(workload, "spec", "volumeClaimTemplates").ifPresent(t -> maps(t).stream()
        .filter(volume).forEach(v -> names.add(string(v, "metadata", "name"))));
    return maps(container(workload, container), "volumeMounts").stream()
        .filter(m -> names.contains(string(m, "name"))).map(m -> string(m, "mountPath")).findFirst();
  }

  /** The pod volume a container mounts at a path. */
  static Map<String, Object> volumeMountedAt(Map<String, Object> workload, String container, String mountPath) {
    String name = maps(container(workload, container), "volumeMounts").stream()
        .filter(m -> mountPath.equals(m.get("mountPath"))).map(m -> string(m, "name")).findFirst()
        .orElseThrow(() -> new AssertionError(container + " mounts nothing at " + mountPath));
    return maps(podSpec(workload), "volumes").stream().filter(v -> name.equals(v.get("name"))).findFirst()
        .orElseThrow(() -> new AssertionError(container + " mounts " + name + ", which is no pod volume"));
  }

  static Environment environment(Map<String, Object> container) {
    Map<String, String> values = new LinkedHashMap<>();
    Set<String> fromSecrets = new HashSet<>();
    for (Map<String, Object> e : find(container, "env").map(Tree::maps).orElse(List.of())) {
      String name = string(e, "name");
      if (e.containsKey("value")) {
        Matcher m = REFERENCE.matcher(string(e, "value"));
        StringBuilder expanded = new StringBuilder();
        while (m.find()) {
          String ref = m.group(1);
          if (fromSecrets.contains(ref)) {
            fromSecrets.add(name);
          }
          m.appendReplacement(expanded, Matcher.quoteReplacement(values.getOrDefault(ref, m.group())));
        }
        m.appendTail(expanded);
        values.put(name, expanded.toString());
      } else if (find(e, "valueFrom", "secretKeyRef").isPresent()) {
        values.put(name, "<secret " + string(e, "valueFrom", "secretKeyRef", "name") + "/"
            + string(e, "valueFrom", "secretKeyRef", "key") + ">");
        fromSecrets.add(name);
      } else {
        values.put(name, "<" + string(e, "valueFrom", "fieldRef", "fieldPath") + ">");
      }
    }
    return new Environment(values, fromSecrets);
  }

  /**
   * The configuration memreason loads in a container: the image's environment, then the container's, and the
   * properties file MEMREASON_CONFIG names, read from the ConfigMap mounted there.
   */
  MemreasonConfig configuration(Map<String, Object> workload, String container, Map<String, String> imageEnvironment) {
    Map<String, String> env = new HashMap<>(imageEnvironment);
    env.putAll(environment(container(workload, container)).values());
    String file = env.get(EnvironmentVariables.PREFIX + "CONFIG");
    if (file == null) {
      throw new AssertionError(container + " has no MEMREASON_CONFIG");
    }
    Path path = Path.of(file);
    Map<String, Object> volume = volumeMountedAt(workload, container, path.getParent().toString());
    String properties = string(one("ConfigMap", string(volume, "configMap", "name")), "data",
        path.getFileName().toString());
    try {
      Path copy = Files.createTempFile("memreason", ".properties");
      try {
        Files.writeString(copy, properties);
        return MemreasonConfig.load(Optional.of(copy), env, Map.of());
      } finally {
        Files.delete(copy);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
