package io.memreason.failover;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.StreamsGroupDescription;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.GroupType;

/**
 * Which instance of a Streams application owns which questions-topic partitions, as the group coordinator sees it,
 * for either rebalance protocol (classic or {@code streams}). Instances are told apart by their client id, which
 * the benchmark sets to the instance's name.
 */
final class GroupOwners {
  /** The group at one moment: its state and the active partitions of each instance (by name). */
  record Snapshot(GroupState state, Map<String, Set<Integer>> partitionsByInstance) {
    Set<Integer> of(String instance) {
      return partitionsByInstance.getOrDefault(instance, Set.of());
    }

    int assigned() {
      return partitionsByInstance.values().stream().mapToInt(Set::size).sum();
    }
  }

  private final Admin admin;
  private final String groupId;
  private final String topic;
  private final Collection<String> instances;

  GroupOwners(Admin admin, String groupId, String topic, Collection<String> instances) {
    this.admin = admin;
    this.groupId = groupId;
    this.topic = topic;
    this.instances = instances;
  }

  Snapshot snapshot() throws InterruptedException {
    try {
      boolean streamsGroup = admin.listGroups().all().get().stream()
          .filter(g -> g.groupId().equals(groupId)).map(GroupListing::type)
          .anyMatch(t -> t.isPresent() && t.get() == GroupType.STREAMS);
      return streamsGroup ? streams() : classic();
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot describe the group " + groupId + ": " + e.getCause().getMessage(), e);
    }
  }

  private Snapshot classic() throws ExecutionException, InterruptedException {
    ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(groupId)).describedGroups().get(groupId).get();
    Map<String, Set<Integer>> owned = new HashMap<>();
    group.members().forEach(m -> instanceOf(m.clientId()).ifPresent(name -> m.assignment().topicPartitions().stream()
        .filter(tp -> tp.topic().equals(topic))
        .forEach(tp -> owned.computeIfAbsent(name, k -> new TreeSet<>()).add(tp.partition()))));
    return new Snapshot(group.groupState(), owned);
  }

  private Snapshot streams() throws ExecutionException, InterruptedException {
    StreamsGroupDescription group = admin.describeStreamsGroups(List.of(groupId)).describedGroups().get(groupId).get();
    Map<String, Set<Integer>> owned = new HashMap<>();
    group.members().forEach(m -> instanceOf(m.clientId()).ifPresent(name -> m.assignment().activeTasks()
        .forEach(t -> owned.computeIfAbsent(name, k -> new TreeSet<>()).addAll(t.partitions()))));
    return new Snapshot(group.groupState(), owned);
  }

  /** Streams names its clients after {@code client.id}: {@code <client.id>-StreamThread-1-consumer}. */
  private java.util.Optional<String> instanceOf(String clientId) {
    return instances.stream().filter(name -> clientId.equals(name) || clientId.startsWith(name + "-")).findFirst();
  }
}
