package io.memreason.pipeline;

import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.internals.InMemoryKeyValueStore;

/** An in-memory store that counts the values written to it; without a cache in front, every put of the processor. */
final class CountingStore extends InMemoryKeyValueStore {
  private final AtomicInteger puts;

  private CountingStore(String name, AtomicInteger puts) {
    super(name);
    this.puts = puts;
  }

  @Override
  public synchronized void put(Bytes key, byte[] value) {
    if (value != null) {
      puts.incrementAndGet();
    }
    super.put(key, value);
  }

  /** Supplies counting stores; {@link #puts()} adds up all of theirs. */
  static final class Supplier implements KeyValueBytesStoreSupplier {
    private final String name;
    private final AtomicInteger puts = new AtomicInteger();

    Supplier(String name) {
      this.name = name;
    }

    int puts() {
      return puts.get();
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public KeyValueStore<Bytes, byte[]> get() {
      return new CountingStore(name, puts);
    }

    @Override
    public String metricsScope() {
      return "in-memory";
    }
  }
}
