package io.memreason.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests an {@link EmbeddedKafka} broker that is started once per test JVM (it lives in the root
 * store and is stopped when the JVM's tests are done), so integration tests share its ~5 s start.
 * Tests keep apart by using their own topics, application ids and state directories.
 */
public final class EmbeddedKafkaExtension implements ParameterResolver {

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == EmbeddedKafka.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
        .getOrComputeIfAbsent(SharedBroker.class, k -> new SharedBroker(), SharedBroker.class).kafka;
  }

  /** The broker and its data directory, removed when the root store closes. */
  private static final class SharedBroker implements ExtensionContext.Store.CloseableResource, AutoCloseable {
    private final Path dir;
    private final EmbeddedKafka kafka;

    SharedBroker() {
      try {
        dir = Files.createTempDirectory("memreason-it-kafka");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      long started = System.nanoTime();
      kafka = EmbeddedKafka.start(dir, 0);
      System.out.printf("embedded Kafka broker started in %d ms at %s%n", (System.nanoTime() - started) / 1_000_000,
          kafka.bootstrapServers());
    }

    @Override
    public void close() throws IOException {
      kafka.close();
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
