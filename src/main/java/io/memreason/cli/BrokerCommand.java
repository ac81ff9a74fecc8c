package io.memreason.cli;

import io.memreason.config.MemreasonConfig;
import io.memreason.console.ShutdownSignal;
import io.memreason.kafka.EmbeddedKafka;
import io.memreason.kafka.TopicCreator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code memreason broker}: a real single-node Kafka broker in this process, until Ctrl-C. */
@Command(name = "broker", mixinStandardHelpOptions = true,
    description = "Run a single-node Kafka broker (KRaft) on 127.0.0.1 with memreason's topics, until Ctrl-C.")
final class BrokerCommand implements Callable<Integer> {
  @Mixin
  ConfigOptions config;

  @Option(names = "--port", defaultValue = "9092", description = "Client port (the controller uses port+1; 0 = any free port). Default: ${DEFAULT-VALUE}.")
  int port;

  @Option(names = "--data-dir", paramLabel = "DIR", description = "Keep the broker's data here across runs (default: a new temporary directory).")
  Path dataDir;

  @Override
  public Integer call() throws Exception {
    Path dir = dataDir != null ? dataDir : Files.createTempDirectory("memreason-broker");
    try (ShutdownSignal signal = new ShutdownSignal();
         EmbeddedKafka kafka = EmbeddedKafka.start(dir, port)) {
      MemreasonConfig c = config.load().with(Map.of("kafka.bootstrap.servers", kafka.bootstrapServers()));
      TopicCreator.createMissing(c);
      System.out.println("Kafka broker running at " + kafka.bootstrapServers() + " (data in " + dir + ")");
      System.out.println("  memreason serve --set kafka.bootstrap.servers=" + kafka.bootstrapServers());
      System.out.println("Ctrl-C stops it.");
      signal.await();
    }
    return 0;
  }
}
