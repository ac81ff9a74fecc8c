package io.memreason.registry;

import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The name of a model version, which is also its folder name in the registry. Names arrive from the model-versions
 * topic, so they are checked before they touch the file system: letters, digits, '.', '_' and '-', starting with a
 * letter or digit (no "..", no separators), at most 64 characters. The registry names the versions it creates
 * {@code v1, v2, ...}.
 */
public record VersionName(String value) implements Comparable<VersionName> {
  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Pattern NUMBERED = Pattern.compile("v([1-9][0-9]{0,8})");

  public VersionName {
    if (value == null || !SAFE.matcher(value).matches()) {
      throw new IllegalArgumentException("'" + value + "' is not a model version name: use letters, digits, '.', '_'"
          + " and '-', starting with a letter or digit, at most 64 characters (e.g. v3)");
    }
  }

  /** The n-th version the registry creates. */
  public static VersionName numbered(int n) {
    return new VersionName("v" + n);
  }

  /** n for a name {@code v<n>}; empty for any other name. */
  public OptionalInt number() {
    Matcher m = NUMBERED.matcher(value);
    return m.matches() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
  }

  /** Numbered versions in number order, then other names alphabetically. */
  @Override
  public int compareTo(VersionName other) {
    OptionalInt a = number();
    OptionalInt b = other.number();
    if (a.isPresent() && b.isPresent()) {
      return Integer.compare(a.getAsInt(), b.getAsInt());
    }
    if (a.isPresent() != b.isPresent()) {
      return a.isPresent() ? -1 : 1;
    }
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
