package io.memreason.failover;

import java.util.Arrays;
import java.util.stream.Collectors;

/** How one of the two instances goes away in a case of the failover benchmark. */
public enum FailoverCase {
  /** kill -9, then started again on the same state directory (a crashed pod restarted with its volume). */
  KILL_RESTART("kill-restart"),
  /** kill -9, never started again: the other instance takes its partitions over alone. */
  KILL("kill"),
  /** kill -9, then a new instance with an empty state directory (a pod rescheduled without its volume). */
  KILL_REPLACE("kill-replace"),
  /** SIGTERM: a rolling update or a scale-down. */
  SIGTERM("sigterm"),
  /** SIGTERM while the group rebalances because a third instance joins. */
  SIGTERM_REBALANCE("sigterm-rebalance");

  private final String id;

  FailoverCase(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }

  boolean killed() {
    return this == KILL_RESTART || this == KILL || this == KILL_REPLACE;
  }

  public static FailoverCase of(String id) {
    return Arrays.stream(values()).filter(c -> c.id.equals(id)).findFirst().orElseThrow(() ->
        new IllegalArgumentException("no failover case '" + id + "': the cases are " + ids()));
  }

  public static String ids() {
    return Arrays.stream(values()).map(FailoverCase::id).collect(Collectors.joining(", "));
  }
}
