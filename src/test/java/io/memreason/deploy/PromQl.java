package io.memreason.deploy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names and label names a PromQL expression uses. A tokenizer, not a parser: enough for dashboard
 * queries (selectors with label matchers, range selectors, aggregations with by/without, functions, arithmetic).
 */
record PromQl(Set<String> metrics, Set<String> groupingLabels, Map<String, Set<String>> matcherLabels) {
  private static final Pattern STRING = Pattern.compile("\"(?:\\\\.|[^\"\\\\])*\"|'(?:\\\\.|[^'\\\\])*'");
  private static final Pattern RANGE = Pattern.compile("\\[[^\\]]*\\]");
  private static final Pattern GROUPING = Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\(([^)]*)\\)");
  private static final Pattern SELECTOR = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)?\\s*\\{([^}]*)\\}");
  private static final Pattern MATCHER = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(?:=~|!~|!=|=)");
  private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
      "bool", "offset", "and", "or", "unless", "inf", "nan");

  static PromQl parse(String expression) {
    String s = RANGE.matcher(STRING.matcher(expression).replaceAll("\"\"")).replaceAll("");
    Set<String> metrics = new TreeSet<>();
    Set<String> grouping = new TreeSet<>();
    Map<String, Set<String>> matchers = new LinkedHashMap<>();

    Matcher g = GROUPING.matcher(s);
    while (g.find()) {
      for (String label : g.group(1).split(",")) {
        if (!label.isBlank()) {
          grouping.add(label.strip());
        }
      }
    }
    s = g.replaceAll(" ");

    Matcher sel = SELECTOR.matcher(s);
    StringBuilder rest = new StringBuilder();
    while (sel.find()) {
      String metric = sel.group(1) == null ? "" : sel.group(1);
      Matcher m = MATCHER.matcher(sel.group(2));
      while (m.find()) {
        matchers.computeIfAbsent(metric, k -> new TreeSet<>()).add(m.group(1));
      }
      sel.appendReplacement(rest, Matcher.quoteReplacement(metric + " "));
    }
    sel.appendTail(rest);

    Matcher n = NAME.matcher(rest);
    while (n.find()) {
      String name = n.group();
      boolean call = rest.substring(n.end()).stripLeading().startsWith("(");
      boolean number = n.start() > 0 && Character.isDigit(rest.charAt(n.start() - 1));
      if (!call && !number && !KEYWORDS.contains(name.toLowerCase())) {
        metrics.add(name);
      }
    }
    return new PromQl(metrics, grouping, matchers);
  }
}
