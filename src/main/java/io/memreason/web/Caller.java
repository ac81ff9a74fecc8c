package io.memreason.web;

import java.util.EnumSet;
import java.util.Set;

/**
 * Who sent a request: the name of the token it carried and that token's roles, or {@link #ANONYMOUS} when the server
 * runs without authentication ({@code web.auth=none}).
 */
record Caller(String name, Set<Role> roles, boolean authenticated) {
  static final Caller ANONYMOUS = new Caller("anonymous", EnumSet.allOf(Role.class), false);

  Caller {
    roles = Set.copyOf(roles);
  }

  boolean may(Role role) {
    return roles.contains(role);
  }
}
