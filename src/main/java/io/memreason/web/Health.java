package io.memreason.web;

import org.apache.kafka.streams.KafkaStreams;

/**
 * What {@code /health} reports, derived from the pipeline's Kafka Streams state: live while the client runs
 * or rebalances (a restart would not help), ready only while it processes records.
 */
public record Health(boolean live, boolean ready, String state) {

  public static Health of(KafkaStreams.State state) {
    boolean live = state == KafkaStreams.State.CREATED || state.isRunningOrRebalancing();
    return new Health(live, state == KafkaStreams.State.RUNNING, state.name());
  }

  String status() {
    return live && ready ? "UP" : live ? "STARTING" : "DOWN";
  }
}
