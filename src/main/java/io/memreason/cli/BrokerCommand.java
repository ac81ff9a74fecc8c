package io.memreason.cli;

import io.memreason.config.MemreasonConfig;
import io.memreason.console.ShutdownSignal;
import io.memreason.kafka.BrokerAccess;
import io.memreason.kafka.EmbeddedKafka;
import io.memreason.kafka.TopicCreator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code memreason broker}: a real single-node Kafka broker in this process, until Ctrl-C. */
@Command(name = "broker", mixinStandardHelpOptions = true,
    description = {"Run a single-node Kafka broker (KRaft) on 127.0.0.1 with memreason's topics, until Ctrl-C.",
        "With --secure, clients log in with SASL/PLAIN and Kafka's standard authorizer lets each user do only what"
        + " the --access file allows (the README's Security section has every component's ACLs)."})
final class BrokerCommand implements Callable<Integer> {
  @Mixin
  ConfigOptions config;

  @Option(names = "--port", defaultValue = "9092", description = "Client port (the controller uses port+1; 0 = any free port). Default: ${DEFAULT-VALUE}.")
  int port;

  @Option(names = "--data-dir", paramLabel = "DIR", description = "Keep the broker's data here across runs (default: a new temporary directory).")
  Path dataDir;

  @Option(names = "--secure", description = "SASL/PLAIN logins and ACLs from the --access file.")
  boolean secure;

  @Option(names = "--access", paramLabel = "FILE", description = "With --secure: the users (user NAME PASSWORD"
      + " [super]) and their ACLs (allow USER OPERATIONS RESOURCE-TYPE literal|prefix NAME), one a line.")
  Path accessFile;

  @Override
  public Integer call() throws Exception {
    if (secure != (accessFile != null)) {
      throw new IllegalArgumentException(secure ? "--secure needs --access FILE: the users and their ACLs (see the"
          + " README's Security section)" : "--access goes with --secure");
    }
    BrokerAccess access = secure ? BrokerAccess.read(accessFile) : null;
    Path dir = dataDir != null ? dataDir : Files.createTempDirectory("memreason-broker");
    try (ShutdownSignal signal = new ShutdownSignal();
         EmbeddedKafka kafka = secure ? EmbeddedKafka.startSecure(dir, port, access) : EmbeddedKafka.start(dir, port)) {
      Map<String, String> client = new HashMap<>(Map.of("kafka.bootstrap.servers", kafka.bootstrapServers()));
      if (secure) {
        client.putAll(EmbeddedKafka.SASL_PLAIN);
        client.put("kafka.sasl.jaas.config", access.jaas(access.superUsers().get(0)));
      }
      TopicCreator.createMissing(config.load().with(client));
      System.out.println("Kafka broker running at " + kafka.bootstrapServers() + " (data in " + dir + ")");
      if (secure) {
        System.out.println("  SASL/PLAIN; users " + access.passwords().keySet() + ", " + access.acls().size()
            + " ACLs. Each component logs in as its own user, e.g.:");
        System.out.println("  memreason serve --set kafka.bootstrap.servers=" + kafka.bootstrapServers()
            + " --set kafka.security.protocol=SASL_PLAINTEXT --set kafka.sasl.mechanism=PLAIN");
        System.out.println("    with MEMREASON_KAFKA_INFERENCE_SASL_JAAS_CONFIG='org.apache.kafka.common.security.plain"
            + ".PlainLoginModule required username=\"inference\" password=\"...\";' (and _FEEDBACK_, _WEB_, ...)");
      } else {
        System.out.println("  memreason serve --set kafka.bootstrap.servers=" + kafka.bootstrapServers());
      }
      System.out.println("Ctrl-C stops it.");
      signal.await();
    }
    return 0;
  }
}
