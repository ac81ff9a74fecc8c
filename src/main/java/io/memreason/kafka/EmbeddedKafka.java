package io.memreason.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, broker and controller in one) running inside this JVM, on
 * 127.0.0.1, for the demo, the {@code broker} command and the integration tests. Its internal topics have
 * one replica and one partition, so consumer groups and transactions work on one node and start fast.
 * Started {@linkplain #startSecure secure}, every client (and the broker itself) logs in with SASL/PLAIN and
 * Kafka's standard authorizer allows each user only what its ACLs say.
 */
public final class EmbeddedKafka implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
  private static final int BIND_ATTEMPTS = 3;

  /** The client settings ({@code kafka.*} keys) of the secure broker's listener, besides each user's login. */
  public static final Map<String, String> SASL_PLAIN = Map.of(
      "kafka." + CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT",
      "kafka." + SaslConfigs.SASL_MECHANISM, "PLAIN");
  private static final String AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";

  private final KafkaRaftServer server;
  private final String bootstrapServers;
  private final Path dataDir;

  private EmbeddedKafka(KafkaRaftServer server, String bootstrapServers, Path dataDir) {
    this.server = server;
    this.bootstrapServers = bootstrapServers;
    this.dataDir = dataDir;
  }

  /**
   * Like {@link #start}, with SASL/PLAIN on both listeners and the standard authorizer: the users of {@code access}
   * may log in, its super users may do everything, the others only what its ACLs allow. Its ACLs replace any the
   * data directory held from an earlier run.
   */
  public static EmbeddedKafka startSecure(Path dataDir, int port, BrokerAccess access) {
    return start(dataDir, port, Optional.of(access));
  }

  /**
   * Formats {@code dataDir} if it is new, starts the broker and waits until it answers.
   *
   * @param port the client port (the controller listens on port + 1), or 0 for free ports
   */
  public static EmbeddedKafka start(Path dataDir, int port) {
    return start(dataDir, port, Optional.empty());
  }

  private static EmbeddedKafka start(Path dataDir, int port, Optional<BrokerAccess> access) {
    long started = System.nanoTime();
    RuntimeException lastFailure = null;
    // A free port found by probing can be taken by someone else before the broker binds it: try again.
    for (int attempt = 1; attempt <= BIND_ATTEMPTS; attempt++) {
      int brokerPort = port == 0 ? freePort() : port;
      // A fixed client port gets the next one for the controller, so a kept data directory restarts alike.
      int controllerPort = port == 0 ? freePort() : port + 1;
      try {
        EmbeddedKafka kafka = startOn(dataDir, brokerPort, controllerPort, access);
        log.info("Kafka broker ready at {} in {} ms (data in {}){}", kafka.bootstrapServers,
            (System.nanoTime() - started) / 1_000_000, dataDir, access.map(a -> "; SASL/PLAIN, " + a.passwords().size()
                + " users, " + a.acls().size() + " ACLs").orElse(""));
        return kafka;
      } catch (RuntimeException e) {
        lastFailure = e;
        if (port != 0) {
          break;
        }
        log.warn("embedded broker did not start on port {} (attempt {}): {}", brokerPort, attempt, e.getMessage());
      }
    }
    throw new IllegalStateException("cannot start the embedded Kafka broker in " + dataDir + ": "
        + lastFailure.getMessage(), lastFailure);
  }

  private static EmbeddedKafka startOn(Path dataDir, int brokerPort, int controllerPort,
                                       Optional<BrokerAccess> access) {
    Properties p = brokerProperties(dataDir, brokerPort, controllerPort);
    access.ifPresent(a -> secure(p, a, brokerPort, controllerPort));
    formatIfNew(dataDir, p);
    KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(p), Time.SYSTEM);
    String bootstrap = "127.0.0.1:" + brokerPort;
    Map<String, Object> admin = new HashMap<>(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) READY_TIMEOUT.toMillis()));
    access.ifPresent(a -> {
      SASL_PLAIN.forEach((k, v) -> admin.put(k.substring("kafka.".length()), v));
      admin.put(SaslConfigs.SASL_JAAS_CONFIG, a.jaas(a.brokerUser()));
    });
    try {
      server.startup();
      awaitReady(admin);
      access.ifPresent(a -> replaceAcls(admin, a.acls()));
    } catch (RuntimeException e) {
      server.shutdown();
      server.awaitShutdown();
      throw e;
    }
    return new EmbeddedKafka(server, bootstrap, dataDir);
  }

  static Properties brokerProperties(Path dataDir, int brokerPort, int controllerPort) {
    Properties p = new Properties();
    p.putAll(Map.ofEntries(
        Map.entry("process.roles", "broker,controller"),
        Map.entry("node.id", "1"),
        Map.entry("controller.quorum.voters", "1@127.0.0.1:" + controllerPort),
        Map.entry("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort),
        Map.entry("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort),
        Map.entry("controller.listener.names", "CONTROLLER"),
        Map.entry("inter.broker.listener.name", "PLAINTEXT"),
        Map.entry("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"),
        Map.entry("log.dirs", dataDir.toAbsolutePath().toString()),
        Map.entry("num.partitions", "1"),
        // One node: internal topics with the default three replicas would never become available, and
        // groups and transactions would hang. One partition each keeps restarts fast.
        Map.entry("offsets.topic.replication.factor", "1"),
        Map.entry("offsets.topic.num.partitions", "1"),
        Map.entry("transaction.state.log.replication.factor", "1"),
        Map.entry("transaction.state.log.min.isr", "1"),
        Map.entry("transaction.state.log.num.partitions", "1"),
        Map.entry("share.coordinator.state.topic.replication.factor", "1"),
        Map.entry("share.coordinator.state.topic.min.isr", "1"),
        Map.entry("share.coordinator.state.topic.num.partitions", "1"),
        // The first join of every group would otherwise wait 3 s for more members.
        Map.entry("group.initial.rebalance.delay.ms", "0"),
        // A transaction whose producer died is aborted within a second of its timeout, not within ten: until then
        // its partitions show readers nothing newer (what a production cluster should set too, see the README).
        Map.entry("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000"),
        // The cleaner's 128 MiB default dedupe buffer lives on the heap of this (shared) JVM.
        Map.entry("log.cleaner.dedupe.buffer.size", "8388608"),
        Map.entry("auto.create.topics.enable", "false")));
    return p;
  }

  /** SASL/PLAIN on the client and the controller listener, the standard authorizer, the access file's users. */
  private static void secure(Properties p, BrokerAccess access, int brokerPort, int controllerPort) {
    String jaas = access.serverJaas();
    p.putAll(Map.of(
        "listeners", "SASL_PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort,
        "advertised.listeners", "SASL_PLAINTEXT://127.0.0.1:" + brokerPort,
        "inter.broker.listener.name", "SASL_PLAINTEXT",
        "listener.security.protocol.map", "CONTROLLER:SASL_PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT",
        "sasl.enabled.mechanisms", "PLAIN",
        "sasl.mechanism.inter.broker.protocol", "PLAIN",
        "sasl.mechanism.controller.protocol", "PLAIN",
        "listener.name.sasl_plaintext.plain.sasl.jaas.config", jaas,
        "listener.name.controller.plain.sasl.jaas.config", jaas,
        "authorizer.class.name", AUTHORIZER));
    p.put("super.users", String.join(";", access.superUsers().stream().map(u -> "User:" + u).toList()));
    p.put("allow.everyone.if.no.acl.found", "false");
  }

  /** The file's ACLs, and no others (a kept data directory may hold an earlier file's). */
  private static void replaceAcls(Map<String, Object> adminProperties, List<AclBinding> acls) {
    try (Admin admin = Admin.create(adminProperties)) {
      Set<AclBinding> wanted = Set.copyOf(acls);
      List<AclBindingFilter> stale = admin.describeAcls(AclBindingFilter.ANY).values().get().stream()
          .filter(b -> !wanted.contains(b)).map(AclBinding::toFilter).toList();
      if (!stale.isEmpty()) {
        admin.deleteAcls(stale).all().get();
      }
      admin.createAcls(acls).all().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while setting the broker's ACLs", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot set the broker's ACLs: " + e.getCause().getMessage(), e);
    }
  }

  private static void formatIfNew(Path dataDir, Properties p) {
    if (Files.exists(dataDir.resolve("meta.properties"))) {
      return;
    }
    try {
      Files.createDirectories(dataDir);
      Path config = dataDir.resolve("server.properties");
      // Formatting needs no logins: the users' passwords stay out of the data directory.
      Properties withoutLogins = new Properties();
      p.forEach((k, v) -> {
        if (!k.toString().endsWith("sasl.jaas.config")) {
          withoutLogins.put(k, v);
        }
      });
      try (Writer w = Files.newBufferedWriter(config)) {
        withoutLogins.store(w, "embedded memreason broker");
      }
      ByteArrayOutputStream output = new ByteArrayOutputStream();
      // execute(), not main(): main() ends the JVM.
      int rc = StorageTool.execute(new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c", config.toString()},
          new PrintStream(output, true, StandardCharsets.UTF_8));
      if (rc != 0) {
        throw new IllegalStateException("formatting " + dataDir + " failed: " + output.toString(StandardCharsets.UTF_8).strip());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the broker data directory " + dataDir, e);
    }
  }

  private static void awaitReady(Map<String, Object> props) {
    Object bootstrap = props.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG);
    try (Admin admin = Admin.create(props)) {
      if (admin.describeCluster().nodes().get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).isEmpty()) {
        throw new IllegalStateException("the broker at " + bootstrap + " reports no nodes");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the broker at " + bootstrap, e);
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("the broker at " + bootstrap + " did not become ready: " + e.getMessage(), e);
    }
  }

  /** A port on 127.0.0.1 that nothing listens on at this moment. */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on 127.0.0.1", e);
    }
  }

  /** host:port for the clients' bootstrap.servers. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  public Path dataDir() {
    return dataDir;
  }

  /** Controlled shutdown; the data directory stays, so the same directory starts the same cluster again. */
  @Override
  public void close() {
    long started = System.nanoTime();
    server.shutdown();
    server.awaitShutdown();
    log.info("Kafka broker at {} stopped in {} ms", bootstrapServers, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
  }
}
