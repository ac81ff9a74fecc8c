package io.memreason.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The flat key/value layer under {@link MemreasonConfig}: bundled defaults, then a file, then environment
 * variables, then command-line overrides, each replacing the keys it names.
 */
public final class Settings {
  static final String ENV_PREFIX = "MEMREASON_";
  /** Prefixes whose keys are handed to a library verbatim, so an environment variable may name any key under them. */
  static final String[] PASS_THROUGH_PREFIXES = {"kafka.", "streams.", "apicurio."};
  /**
   * Hugging Face's own variables, read as huggingface_hub reads them, for the keys they mean here (a MEMREASON_
   * variable of the same key wins). HUGGING_FACE_HUB_TOKEN and HUGGINGFACE_HUB_CACHE are the older names of
   * HF_TOKEN and HF_HUB_CACHE, read when the newer one is not set.
   */
  static final Map<String, String> HUGGING_FACE_VARIABLES = Map.of(
      "HF_ENDPOINT", "hub.endpoint", "HF_HOME", "hub.home", "HF_HUB_CACHE", "hub.cache", "HF_TOKEN", "hub.token",
      "HF_HUB_OFFLINE", "hub.offline");
  private static final Map<String, String> OLDER_HUGGING_FACE_NAMES = Map.of(
      "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN", "HUGGINGFACE_HUB_CACHE", "HF_HUB_CACHE");
  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([a-z.]+)}");
  // "token" but not "tokens": engine.max-new-tokens is a count, not a secret.
  private static final Pattern SECRET_KEY = Pattern.compile("(?i).*(password|secret|token(?!s)|jaas|credential|user\\.info).*");

  private final TreeMap<String, String> values;

  private Settings(TreeMap<String, String> values) {
    this.values = values;
  }

  /** The defaults bundled in the jar (config/memreason.properties). */
  public static Settings defaults() {
    try (InputStream in = Settings.class.getResourceAsStream("/config/memreason.properties")) {
      if (in == null) {
        throw new ConfigException("config/memreason.properties is missing from the class path: rebuild with mvn package");
      }
      Properties p = new Properties();
      p.load(in);
      return new Settings(toMap(p));
    } catch (IOException e) {
      throw new ConfigException("cannot read the bundled defaults: " + e.getMessage());
    }
  }

  /** These settings with every key of a properties file replacing the same key here. */
  public Settings withFile(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigException("configuration file " + file + " does not exist");
    }
    try (Reader r = Files.newBufferedReader(file)) {
      Properties p = new Properties();
      p.load(r);
      return with(toMap(p));
    } catch (IOException e) {
      throw new ConfigException("cannot read configuration file " + file + ": " + e.getMessage());
    }
  }

  /**
   * These settings with environment overrides: {@code MEMREASON_ENGINE_MAX_BATCH} replaces
   * {@code engine.max-batch}; under a pass-through prefix any key may be named
   * ({@code MEMREASON_KAFKA_SASL_MECHANISM} sets {@code kafka.sasl.mechanism}); Hugging Face's variables set the
   * hub keys ({@code HF_HOME} sets {@code hub.home}).
   */
  public Settings withEnvironment(Map<String, String> env) {
    TreeMap<String, String> overrides = new TreeMap<>();
    String xdgCache = env.get("XDG_CACHE_HOME");
    if (xdgCache != null && !xdgCache.isBlank()) {
      // huggingface_hub's home when HF_HOME is not set: $XDG_CACHE_HOME/huggingface.
      overrides.put("hub.home", Path.of(xdgCache, "huggingface").toString());
    }
    OLDER_HUGGING_FACE_NAMES.forEach((older, newer) -> {
      String value = env.get(older);
      if (value != null && !value.isBlank() && !env.containsKey(newer)) {
        overrides.put(HUGGING_FACE_VARIABLES.get(newer), value);
      }
    });
    HUGGING_FACE_VARIABLES.forEach((name, key) -> {
      String value = env.get(name);
      if (value != null && !value.isBlank()) {
        overrides.put(key, value);
      }
    });
    for (String key : values.keySet()) {
      String value = env.get(envName(key));
      if (value != null) {
        overrides.put(key, value);
      }
    }
    env.forEach((name, value) -> {
      if (!name.startsWith(ENV_PREFIX)) {
        return;
      }
      String key = name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
      for (String prefix : PASS_THROUGH_PREFIXES) {
        if (key.startsWith(prefix) && !overrides.containsKey(key) && !knowsEnvName(name)) {
          overrides.put(key, value);
        }
      }
    });
    return with(overrides);
  }

  /** These settings with explicit key=value overrides (the command line's --set). */
  public Settings with(Map<String, String> overrides) {
    TreeMap<String, String> merged = new TreeMap<>(values);
    merged.putAll(overrides);
    return new Settings(merged);
  }

  /** The environment variable that overrides a key. */
  public static String envName(String key) {
    return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  private boolean knowsEnvName(String envName) {
    return values.keySet().stream().anyMatch(k -> envName(k).equals(envName));
  }

  public String string(String key) {
    String raw = values.get(key);
    if (raw == null) {
      throw new ConfigException("missing configuration key " + key);
    }
    return resolve(raw.trim());
  }

  public int integer(String key) {
    String v = string(key);
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new ConfigException(key + " must be an integer, not '" + v + "'");
    }
  }

  public long longValue(String key) {
    String v = string(key);
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new ConfigException(key + " must be an integer, not '" + v + "'");
    }
  }

  public double decimal(String key) {
    String v = string(key);
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new ConfigException(key + " must be a number, not '" + v + "'");
    }
  }

  public boolean bool(String key) {
    String v = string(key).toLowerCase(Locale.ROOT);
    if (!v.equals("true") && !v.equals("false")) {
      throw new ConfigException(key + " must be true or false, not '" + v + "'");
    }
    return v.equals("true");
  }

  /** Every key under a prefix, with the prefix removed: {@code prefixed("kafka.")} gives the Kafka client properties. */
  public Map<String, String> prefixed(String prefix) {
    TreeMap<String, String> out = new TreeMap<>();
    values.forEach((k, v) -> {
      if (k.startsWith(prefix)) {
        out.put(k.substring(prefix.length()), resolve(v.trim()));
      }
    });
    return out;
  }

  /** All keys and values, secrets masked: safe to log. */
  public Map<String, String> redacted() {
    TreeMap<String, String> out = new TreeMap<>();
    values.forEach((k, v) -> out.put(k, isSecret(k) ? "******" : resolve(v)));
    return out;
  }

  /**
   * True for keys whose values must never be printed or logged. A key that names where a secret is kept (a file, an
   * environment variable: {@code web.tls.keystore-password-file}) is not one.
   */
  public static boolean isSecret(String key) {
    return SECRET_KEY.matcher(key).matches() && !key.endsWith("-file") && !key.endsWith("-env");
  }

  private static String resolve(String raw) {
    Matcher m = PLACEHOLDER.matcher(raw);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String sys = System.getProperty(m.group(1));
      m.appendReplacement(sb, Matcher.quoteReplacement(sys == null ? m.group() : sys));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  private static TreeMap<String, String> toMap(Properties p) {
    TreeMap<String, String> m = new TreeMap<>();
    p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
    return m;
  }
}
