package io.memreason.deploy;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Paths into parsed YAML (maps, lists, scalars): {@code string(pod, "spec", "containers", 0, "image")}. A missing
 * step fails with the path walked, so a test failure says what is absent.
 */
final class Tree {
  private Tree() {}

  static Optional<Object> find(Object root, Object... path) {
    Object node = root;
    for (Object step : path) {
      if (step instanceof String key && node instanceof Map<?, ?> m && m.containsKey(key)) {
        node = m.get(key);
      } else if (step instanceof Integer i && node instanceof List<?> l && i < l.size()) {
        node = l.get(i);
      } else {
        return Optional.empty();
      }
    }
    return Optional.ofNullable(node);
  }

  static Object at(Object root, Object... path) {
    return find(root, path).orElseThrow(() -> new AssertionError("nothing at " + List.of(path) + " in " + root));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object root, Object... path) {
    Object node = at(root, path);
    if (!(node instanceof Map)) {
      throw new AssertionError(List.of(path) + " is not a mapping: " + node);
    }
    return (Map<String, Object>) node;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object root, Object... path) {
    Object node = at(root, path);
    if (!(node instanceof List)) {
      throw new AssertionError(List.of(path) + " is not a list: " + node);
    }
    return (List<Object>) node;
  }

  /** A scalar as text (YAML numbers and booleans included). */
  static String string(Object root, Object... path) {
    Object node = at(root, path);
    if (node instanceof Map || node instanceof List) {
      throw new AssertionError(List.of(path) + " is not a scalar: " + node);
    }
    return node.toString();
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> maps(Object root, Object... path) {
    return (List<Map<String, Object>>) (List<?>) list(root, path);
  }
}
