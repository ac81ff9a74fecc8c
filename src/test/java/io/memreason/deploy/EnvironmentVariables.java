package io.memreason.deploy;

import io.memreason.config.Settings;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a {@code MEMREASON_*} environment variable does: the configuration keys memreason sets from it (asked of
 * {@link Settings} itself), or, for the few that are not keys, the file that reads it.
 */
final class EnvironmentVariables {
  static final String PREFIX = "MEMREASON_";

  /** The variables that are not configuration keys, each with the file that reads it. */
  static final Map<String, String> READ_BY = Map.of(
      "MEMREASON_CONFIG", "src/main/java/io/memreason/cli/ConfigOptions.java",
      "MEMREASON_DEBUG", "src/main/java/io/memreason/cli/Main.java",
      "MEMREASON_JAVA_OPTS", "bin/memreason",
      "MEMREASON_LOG_LEVEL", "config/log4j2.xml");

  private EnvironmentVariables() {}

  /** The keys memreason takes from this variable; empty when it ignores it. */
  static Set<String> keysSetBy(String name) {
    String probe = "probe-of-" + name;
    Set<String> keys = new TreeSet<>();
    Settings.defaults().withEnvironment(Map.of(name, probe)).prefixed("").forEach((k, v) -> {
      if (v.equals(probe)) {
        keys.add(k);
      }
    });
    return keys;
  }
}
