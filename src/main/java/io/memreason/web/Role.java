package io.memreason.web;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** What a token may do on the HTTP server. */
public enum Role {
  /** See the traces: the page's stream, {@code GET /api/answers}, {@code /metrics}. */
  WATCH,
  /** Ask questions: {@code POST /api/questions}. */
  ASK,
  /** Label answers: {@code POST /api/feedback}. */
  LABEL;

  /** The name in a tokens file and in messages. */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Roles from a comma-separated list such as {@code watch,label}. */
  public static Set<Role> parseList(String list) {
    Set<Role> roles = EnumSet.noneOf(Role.class);
    for (String part : list.split(",")) {
      String name = part.strip();
      roles.add(Arrays.stream(values()).filter(r -> r.key().equals(name)).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("unknown role '" + name + "': the roles are "
              + Arrays.stream(values()).map(Role::key).collect(Collectors.joining(", ")))));
    }
    return roles;
  }

  /** The roles as a tokens file writes them: {@code watch,ask}. */
  public static String listOf(Set<Role> roles) {
    return roles.stream().sorted().map(Role::key).collect(Collectors.joining(","));
  }
}
