package io.memreason.pipeline;

import io.memreason.avro.Knowledge;
import io.memreason.reasoning.MemoryVerifier;
import java.util.Optional;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The knowledge topic ({@code topics.knowledge}) as a global table of every inference instance: each instance reads
 * all of it, so a memory step is checked against every fact whatever partition its question is on. The table keeps
 * the records' bytes as they are on the topic (so a restore, which copies them, gives the same table) and decodes a
 * subject's {@link Knowledge} when a verifier asks for it; a record that is no Knowledge counts as nothing known,
 * and is logged when it arrives.
 */
final class KnowledgeTable {
  private static final Logger log = LoggerFactory.getLogger(KnowledgeTable.class);
  static final String STORE = "knowledge";
  static final String SOURCE = "knowledge-source";
  static final String UPDATER = "knowledge-updater";

  private KnowledgeTable() {}

  /** Adds the global store that follows {@code topic} to the topology. */
  static void addTo(Topology topology, String topic, Deserializer<Knowledge> knowledge) {
    topology.addGlobalStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(),
            Serdes.ByteArray()).withLoggingDisabled(), SOURCE, new StringDeserializer(), new ByteArrayDeserializer(),
        topic, UPDATER, () -> new Updater(topic, knowledge));
  }

  /**
   * The verifier of one inference processor, over the table its context holds. Engine threads call it: reading the
   * store is safe from any thread, and decoding is done under a lock of its own.
   */
  static MemoryVerifier verifier(ProcessorContext<?, ?> context, Deserializer<Knowledge> knowledge) {
    ReadOnlyKeyValueStore<String, byte[]> table = context.getStateStore(STORE);
    return new KnowledgeVerifier(subject -> {
      byte[] value = table.get(subject);
      if (value == null) {
        return Optional.empty();
      }
      synchronized (knowledge) {
        return decode(knowledge, STORE, value);
      }
    });
  }

  private static Optional<Knowledge> decode(Deserializer<Knowledge> knowledge, String topic, byte[] value) {
    try {
      return Optional.ofNullable(knowledge.deserialize(topic, value));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Keeps the latest record of each subject; a tombstone forgets it. */
  private static final class Updater implements Processor<String, byte[], Void, Void> {
    private final String topic;
    private final Deserializer<Knowledge> knowledge;
    private KeyValueStore<String, byte[]> table;
    private ProcessorContext<Void, Void> context;

    Updater(String topic, Deserializer<Knowledge> knowledge) {
      this.topic = topic;
      this.knowledge = knowledge;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      this.context = context;
      this.table = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<String, byte[]> record) {
      if (record.key() == null) {
        log.warn("a knowledge record without a key at {}: key knowledge by its subject; it is ignored", where());
        return;
      }
      if (record.value() == null) {
        table.delete(record.key());
        return;
      }
      Optional<Knowledge> read = decode(knowledge, topic, record.value());
      if (read.isEmpty()) {
        log.warn("the knowledge record of {} at {} is no Knowledge record: nothing is known of that subject until a"
            + " readable one replaces it", ReasonText.quote(record.key()), where());
      } else if (!read.get().getSubject().equals(record.key())) {
        log.warn("the knowledge record keyed {} at {} is about {}: its facts are looked up under its key",
            ReasonText.quote(record.key()), where(), ReasonText.quote(read.get().getSubject()));
      }
      table.put(record.key(), record.value());
    }

    private String where() {
      return context.recordMetadata().map(m -> m.topic() + "-" + m.partition() + "@" + m.offset()).orElse(topic);
    }
  }
}
