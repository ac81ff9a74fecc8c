package io.memreason.hub;

import java.time.Duration;

/**
 * How patient the Hub client is: how long it waits for a response's headers and for the next bytes of a body (a
 * stalled transfer is cut and resumed), and how often a download is tried, with a growing pause between tries.
 */
record Timing(Duration response, Duration stall, int attempts, Duration backoff) {
  /** As huggingface_hub: seconds for a response, a minute of silence, five tries. */
  static final Timing DEFAULT = new Timing(Duration.ofSeconds(30), Duration.ofSeconds(60), 5, Duration.ofSeconds(2));
}
