package io.memreason.deploy;

import static io.memreason.deploy.Tree.find;
import static io.memreason.deploy.Tree.list;
import static io.memreason.deploy.Tree.map;
import static io.memreason.deploy.Tree.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.config.MemreasonConfig;
import io.memreason.web.WebServer;
import java.net.URI;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.server.config.AbstractKafkaConfig;
import org.junit.jupiter.api.Test;

/** docker/compose.yaml and the Prometheus and Grafana files it mounts, against the code and each other. */
class ComposeTest {
  private final Map<String, Object> compose = Repository.yaml("docker/compose.yaml");
  private final Map<String, Object> services = map(compose, "services");

  private Map<String, String> environment(String service) {
    Map<String, String> env = new LinkedHashMap<>();
    map(services, service, "environment").forEach((k, v) -> env.put(k, v.toString()));
    return env;
  }

  /** What memreason runs with: the image's environment, then the service's. */
  private MemreasonConfig memreasonConfiguration() {
    Map<String, String> env = new HashMap<>(Dockerfile.read().environment("cpu"));
    env.putAll(environment("memreason"));
    return MemreasonConfig.load(Optional.empty(), env, Map.of());
  }

  /** The host folder a service mounts at a container path (bind mounts are relative to docker/). */
  private String hostFolderMountedAt(String service, String containerPath) {
    return list(services, service, "volumes").stream().map(Object::toString)
        .filter(v -> v.split(":")[1].equals(containerPath)).map(v -> v.split(":")[0]).findFirst()
        .orElseThrow(() -> new AssertionError(service + " mounts nothing at " + containerPath));
  }

  @Test
  void kafkaIsTheReleaseOfTheClientsInKraftMode() {
    assertEquals("apache/kafka:" + Repository.pomProperty("kafka.version"), string(services, "kafka", "image"));
    assertEquals("broker,controller", environment("kafka").get("KAFKA_PROCESS_ROLES"));
  }

  /** The apache/kafka image turns KAFKA_A_B into a.b (___ into -, __ into _) and starts from those settings only. */
  @Test
  void kafkaEnvironmentNamesOnlyRealBrokerSettings() {
    Set<String> broker = AbstractKafkaConfig.CONFIG_DEF.names();
    environment("kafka").keySet().stream().filter(n -> n.startsWith("KAFKA_")).forEach(n -> {
      String setting = n.substring("KAFKA_".length()).toLowerCase(Locale.ROOT)
          .replace("___", "-").replace("__", "\u0000").replace('_', '.').replace('\u0000', '_');
      assertTrue(broker.contains(setting), n + " → " + setting + " is no broker setting");
    });
  }

  @Test
  void aSingleBrokerKeepsGroupAndTransactionStateOnOneReplica() {
    Map<String, String> env = environment("kafka");
    for (String n : List.of("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR")) {
      assertEquals("1", env.get(n), n + ": exactly-once processing hangs on one broker otherwise");
    }
  }

  @Test
  void memreasonReachesTheBrokersListenerForContainersOnceItIsHealthy() {
    String bootstrap = memreasonConfiguration().kafka().bootstrapServers();
    List<String> advertised = List.of(environment("kafka").get("KAFKA_ADVERTISED_LISTENERS").split(","));
    assertTrue(advertised.stream().anyMatch(l -> l.endsWith("://" + bootstrap) && bootstrap.startsWith("kafka:")),
        bootstrap + " is not among " + advertised + " under the service name kafka");
    assertEquals("service_healthy", string(services, "memreason", "depends_on", "kafka", "condition"));
  }

  @Test
  void memreasonIsTheCpuImageOfThisVersionBuiltFromTheDockerfile() {
    assertEquals("memreason:" + Repository.releaseVersion() + "-cpu", string(services, "memreason", "image"));
    assertEquals(Dockerfile.PATH, string(services, "memreason", "build", "dockerfile"));
    assertEquals("cpu", string(services, "memreason", "build", "args", "FLAVOR"));
    assertEquals(List.of("serve"), list(services, "memreason", "command"));
    int port = memreasonConfiguration().web().port();
    assertTrue(list(services, "memreason", "ports").stream().anyMatch(p -> p.toString().endsWith(":" + port)));
    assertEquals(memreasonConfiguration().model().cacheDir().toString(),
        list(services, "memreason", "volumes").get(0).toString().split(":")[1], "the model store is a volume");
  }

  @Test
  void prometheusScrapesEveryMemreasonInstanceOnTheServersPortAndPath() {
    String config = hostFolderMountedAt("prometheus", "/etc/prometheus/prometheus.yml");
    Map<String, Object> job = Tree.maps(Repository.yaml("docker/" + config.substring(2)), "scrape_configs").stream()
        .filter(j -> "memreason".equals(j.get("job_name"))).findFirst().orElseThrow();
    assertEquals(WebServer.METRICS_PATH, string(job, "metrics_path"));
    Map<String, Object> discovery = Tree.maps(job, "dns_sd_configs").get(0);
    assertEquals(List.of("memreason"), list(discovery, "names"), "the compose service, all of its instances");
    assertEquals(String.valueOf(memreasonConfiguration().web().metricsPort().orElseThrow()), string(discovery, "port"),
        "the metrics port: the API's asks for a token");
  }

  @Test
  void grafanaProvisionsThePrometheusDatasourceAndTheDashboard() {
    String provisioning = hostFolderMountedAt("grafana", "/etc/grafana/provisioning").substring(2);
    Map<String, Object> datasource = Tree.maps(
        Repository.yaml("docker/" + provisioning + "/datasources/prometheus.yaml"), "datasources").get(0);
    assertEquals("prometheus", string(datasource, "type"));
    URI url = URI.create(string(datasource, "url"));
    assertTrue(services.containsKey(url.getHost()), url + " names no service");
    assertTrue(list(services, url.getHost(), "ports").contains(url.getPort() + ":" + url.getPort()));

    String dashboardsInContainer = string(Tree.maps(
        Repository.yaml("docker/" + provisioning + "/dashboards/memreason.yaml"), "providers").get(0), "options", "path");
    String dashboards = hostFolderMountedAt("grafana", dashboardsInContainer).substring(2);
    Repository.json("docker/" + dashboards + "/memreason.json");
    assertEquals(dashboardsInContainer + "/memreason.json",
        environment("grafana").get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"));
  }

  @Test
  void memreasonSignsInWithTheTokensFileGivenAsASecret() {
    MemreasonConfig c = memreasonConfiguration();
    assertTrue(c.web().auth().tokens());
    String file = c.web().auth().tokensFile().orElseThrow().toString();
    String secret = list(services, "memreason", "secrets").get(0).toString();
    assertEquals("/run/secrets/" + secret, file);
    assertEquals("./memreason-tokens", string(compose, "secrets", secret, "file"));
    assertTrue(Repository.text(".gitignore").contains("/docker/memreason-tokens"), "the tokens file stays out of git");
  }

  @Test
  void memreasonGetsTimeToCloseBeforeDockerKillsIt() {
    String grace = string(services, "memreason", "stop_grace_period");
    assertTrue(grace.endsWith("s") && Integer.parseInt(grace.replace("s", "")) >= 90, grace);
    assertTrue(find(services, "memreason", "restart").isPresent());
  }
}
