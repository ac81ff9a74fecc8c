package io.memreason.deploy;

import io.memreason.config.MemreasonConfig;
import io.memreason.config.Settings;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Whether a configuration key means something to memreason: one of its own keys (the bundled defaults), or a key
 * under a pass-through prefix that the library it is handed to knows — {@code kafka.*} a Kafka client setting,
 * {@code streams.*} a Kafka Streams one (client settings and Streams' own prefixes included), {@code apicurio.*}
 * an Apicurio serde one. A misspelt pass-through key would otherwise be handed on and silently ignored.
 */
final class ConfigurationKeys {
  private static final Set<String> OWN = Settings.defaults().prefixed("").keySet();
  private static final Set<String> CLIENT = union(List.of(ConsumerConfig.configNames(), ProducerConfig.configNames(),
      AdminClientConfig.configNames()));
  private static final Map<String, Set<String>> STREAMS_PREFIXES = Map.of(
      StreamsConfig.CONSUMER_PREFIX, ConsumerConfig.configNames(),
      StreamsConfig.MAIN_CONSUMER_PREFIX, ConsumerConfig.configNames(),
      StreamsConfig.RESTORE_CONSUMER_PREFIX, ConsumerConfig.configNames(),
      StreamsConfig.GLOBAL_CONSUMER_PREFIX, ConsumerConfig.configNames(),
      StreamsConfig.PRODUCER_PREFIX, ProducerConfig.configNames(),
      StreamsConfig.ADMIN_CLIENT_PREFIX, AdminClientConfig.configNames(),
      StreamsConfig.TOPIC_PREFIX, stringConstants(TopicConfig.class, "_CONFIG", ""));
  private static final Set<String> APICURIO = union(List.of(
      stringConstants(io.apicurio.registry.serde.SerdeConfig.class, "", "apicurio."),
      stringConstants(io.apicurio.registry.serde.avro.AvroKafkaSerdeConfig.class, "", "apicurio.")));

  private ConfigurationKeys() {}

  /** Empty when the key is known; otherwise why it is not. */
  static Optional<String> problem(String key) {
    if (OWN.contains(key)) {
      return Optional.empty();
    }
    if (key.startsWith("kafka.")) {
      String client = key.substring("kafka.".length());
      // kafka.<component>.<client setting>: one component's own login or client setting.
      for (MemreasonConfig.Component c : MemreasonConfig.Component.values()) {
        if (client.startsWith(c.key() + ".")) {
          client = client.substring(c.key().length() + 1);
        }
      }
      return known(CLIENT.contains(client), key, "a Kafka client setting");
    }
    if (key.startsWith("streams.")) {
      return known(isStreamsSetting(key.substring("streams.".length())), key, "a Kafka Streams setting");
    }
    if (key.startsWith("apicurio.")) {
      return known(APICURIO.contains(key) || APICURIO.stream().anyMatch(k -> k.endsWith(".") && key.startsWith(k)),
          key, "an Apicurio serde setting");
    }
    return Optional.of(key + " is not a memreason key (see config/memreason.properties) and has no pass-through prefix");
  }

  private static boolean isStreamsSetting(String name) {
    if (StreamsConfig.configDef().names().contains(name) || CLIENT.contains(name)) {
      return true;
    }
    return STREAMS_PREFIXES.entrySet().stream()
        .anyMatch(e -> name.startsWith(e.getKey()) && e.getValue().contains(name.substring(e.getKey().length())));
  }

  private static Optional<String> known(boolean known, String key, String what) {
    return known ? Optional.empty() : Optional.of(key + " is passed on as " + what + ", but no such setting exists");
  }

  /** The values of a class's public static String constants named *nameSuffix whose value starts with valuePrefix. */
  private static Set<String> stringConstants(Class<?> type, String nameSuffix, String valuePrefix) {
    Set<String> out = new TreeSet<>();
    for (Field f : type.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class && f.getName().endsWith(nameSuffix)) {
        try {
          String v = (String) f.get(null);
          if (v != null && v.startsWith(valuePrefix)) {
            out.add(v);
          }
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return out;
  }

  private static Set<String> union(List<Set<String>> sets) {
    Set<String> out = new HashSet<>();
    sets.forEach(out::addAll);
    return out;
  }
}
