package io.memreason.pipeline;

/**
 * Why something was refused, as it goes into a dead letter or a FAILED answer: one line of bounded length, with the
 * values it quotes cut short. Reasons quote what producers sent, and a record that quotes a 250 kB key in full
 * becomes larger than the record it explains.
 */
public final class ReasonText {
  /** The longest reason, in characters (Unicode code points). */
  public static final int MAX_CHARS = 1000;
  /** The longest quoted value, in characters. */
  public static final int MAX_QUOTED_CHARS = 64;

  private ReasonText() {}

  /** The text on one line (control characters become spaces), cut to {@link #MAX_CHARS} characters. */
  public static String of(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder line = new StringBuilder();
    text.codePoints().map(c -> Character.isISOControl(c) ? ' ' : c).forEach(line::appendCodePoint);
    return cut(line.toString(), MAX_CHARS);
  }

  /** A value as a reason quotes it: in single quotes, control characters escaped, cut to {@link #MAX_QUOTED_CHARS}. */
  public static String quote(String value) {
    StringBuilder shown = new StringBuilder("'");
    cut(value, MAX_QUOTED_CHARS).codePoints().forEach(c -> {
      if (Character.isISOControl(c)) {
        shown.append(String.format("\\u%04X", c));
      } else {
        shown.appendCodePoint(c);
      }
    });
    return shown.append('\'').toString();
  }

  /** At most {@code max} characters of the text; a cut text says how much was left out. */
  static String cut(String text, int max) {
    int chars = text.codePointCount(0, text.length());
    if (chars <= max) {
      return text;
    }
    String suffix = "... (" + (chars - max) + " more characters)";
    return text.substring(0, text.offsetByCodePoints(0, max)) + suffix;
  }
}
