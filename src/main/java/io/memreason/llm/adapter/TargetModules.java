package io.memreason.llm.adapter;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonPrimitive;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * PEFT's {@code target_modules}: a set of module names (a module matches when its path is the name or ends with
 * "." + name), or one string: PEFT's {@code "all-linear"}, or a regular expression over the whole module path
 * (accepted too: a single module name, which some tools write as a string).
 */
public record TargetModules(List<String> names, String pattern) {

  public static TargetModules of(List<String> names) {
    return new TargetModules(List.copyOf(names), null);
  }

  static TargetModules fromJson(JsonElement e) {
    if (e != null && e.isJsonArray()) {
      return of(e.getAsJsonArray().asList().stream().map(JsonElement::getAsString).sorted().toList());
    }
    if (e != null && e.isJsonPrimitive()) {
      return new TargetModules(List.of(), e.getAsString());
    }
    throw new IllegalArgumentException("target_modules must be a list of module names or a string, not " + e);
  }

  JsonElement toJson() {
    if (pattern != null) {
      return new JsonPrimitive(pattern);
    }
    JsonArray a = new JsonArray();
    names.forEach(a::add);
    return a;
  }

  public boolean matches(String modulePath) {
    if (pattern != null) {
      return pattern.equals("all-linear") || Pattern.matches(pattern, modulePath) || modulePath.endsWith("." + pattern);
    }
    return names.stream().anyMatch(n -> modulePath.equals(n) || modulePath.endsWith("." + n));
  }

  @Override
  public String toString() {
    return pattern != null ? "'" + pattern + "'" : names.stream().collect(Collectors.joining(", ", "[", "]"));
  }
}
