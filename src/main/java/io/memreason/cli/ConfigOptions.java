package io.memreason.cli;

import io.memreason.config.MemreasonConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The options every command that reads configuration shares: a file and single-key overrides. */
final class ConfigOptions {
  @Option(names = "--config", paramLabel = "FILE",
      description = "Properties file overriding the defaults (also MEMREASON_CONFIG).")
  Path file;

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "Override one configuration key, e.g. --set engine.max-batch=32. Repeatable.")
  Map<String, String> overrides = new LinkedHashMap<>();

  MemreasonConfig load() {
    return load(Map.of());
  }

  /** The configuration with a command's own defaults, which the file, the environment and --set override. */
  MemreasonConfig load(Map<String, String> commandDefaults) {
    Optional<Path> f = Optional.ofNullable(file)
        .or(() -> Optional.ofNullable(System.getenv("MEMREASON_CONFIG")).map(Path::of));
    return MemreasonConfig.load(f, System.getenv(), commandDefaults, overrides);
  }
}
