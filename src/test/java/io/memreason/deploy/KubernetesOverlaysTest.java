package io.memreason.deploy;

import static io.memreason.deploy.Tree.find;
import static io.memreason.deploy.Tree.list;
import static io.memreason.deploy.Tree.map;
import static io.memreason.deploy.Tree.maps;
import static io.memreason.deploy.Tree.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.config.MemreasonConfig;
import io.memreason.config.Settings;
import io.memreason.hub.HubModelId;
import io.memreason.kafka.ClientProperties;
import io.memreason.web.WebServer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The rendered cpu and gpu overlays (kubectl kustomize) against the code and against each other: what the pods'
 * configuration says, KEDA, probes and scraping, static membership, volumes, GPUs, images and secrets.
 */
class KubernetesOverlaysTest {
  private static final String INFERENCE = "memreason";
  private static final String RETRAIN = "memreason-retrain";
  /** KEDA's names for Kafka's SASL mechanisms. */
  private static final Map<String, String> KEDA_SASL = Map.of("PLAIN", "plaintext", "SCRAM-SHA-256", "scram_sha256",
      "SCRAM-SHA-512", "scram_sha512", "OAUTHBEARER", "oauthbearer", "GSSAPI", "gssapi");

  private static Manifests render(String overlay) {
    return Kustomize.render("k8s/overlays/" + overlay);
  }

  private static Map<String, Object> inference(String overlay) {
    return render(overlay).one("StatefulSet", INFERENCE);
  }

  private static Map<String, Object> retraining(String overlay) {
    return render(overlay).one("CronJob", RETRAIN);
  }

  /** The configuration `memreason serve` loads in an inference pod of this overlay. */
  private static MemreasonConfig server(String overlay) {
    return render(overlay).configuration(inference(overlay), "memreason", Dockerfile.read().environment(overlay));
  }

  private static MemreasonConfig retrainer(String overlay) {
    return render(overlay).configuration(retraining(overlay), "retrain", Dockerfile.read().environment(overlay));
  }

  private static Map<String, Object> kafkaTrigger(String overlay) {
    return maps(render(overlay).one("ScaledObject", INFERENCE), "spec", "triggers").stream()
        .filter(t -> "kafka".equals(t.get("type"))).findFirst().orElseThrow();
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void putsEveryResourceInTheNamespaceItCreates(String overlay) {
    List<Map<String, Object>> namespaces = render(overlay).all("Namespace");
    assertEquals(1, namespaces.size());
    String namespace = string(namespaces.get(0), "metadata", "name");
    render(overlay).resources().stream().filter(r -> !"Namespace".equals(r.get("kind"))).forEach(r ->
        assertEquals(namespace, string(r, "metadata", "namespace"), r.get("kind") + " " + string(r, "metadata", "name")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void scalesTheInferencePodsOnTheLagOfTheirConsumerGroupOnTheQuestionsTopic(String overlay) {
    MemreasonConfig c = server(overlay);
    Map<String, Object> scaled = render(overlay).one("ScaledObject", INFERENCE);
    assertEquals("StatefulSet", string(scaled, "spec", "scaleTargetRef", "kind"));
    assertEquals(INFERENCE, string(scaled, "spec", "scaleTargetRef", "name"));
    Map<String, Object> trigger = map(kafkaTrigger(overlay), "metadata");
    assertEquals(c.kafka().applicationId(), string(trigger, "consumerGroup"), "the Streams application id is the group");
    assertEquals(c.topics().questions(), string(trigger, "topic"));
    assertEquals(c.kafka().bootstrapServers(), string(trigger, "bootstrapServers"));
    assertEquals(KEDA_SASL.get(c.kafka().clientProperties().get("sasl.mechanism")), string(trigger, "sasl"));
    assertEquals(c.kafka().clientProperties().get("security.protocol").endsWith("SSL") ? "enable" : "disable",
        string(trigger, "tls"));
    Object reset = new StreamsConfig(ClientProperties.streams(c)).getMainConsumerConfigs("group", "client", 0)
        .get(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG);
    assertEquals(reset, string(trigger, "offsetResetPolicy"), "KEDA should count a new group's lag as Streams reads it");
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void neverScalesPastThePartitionsOfTheQuestionsTopic(String overlay) {
    MemreasonConfig c = server(overlay);
    Map<String, Object> scaled = render(overlay).one("ScaledObject", INFERENCE);
    int max = Integer.parseInt(string(scaled, "spec", "maxReplicaCount"));
    assertTrue(max <= c.topics().partitions(), max + " pods for " + c.topics().partitions() + " partitions");
    int declared = Kustomize.render("k8s/strimzi").all("KafkaTopic").stream()
        .filter(t -> c.topics().questions().equals(string(t, "spec", "topicName")))
        .mapToInt(t -> Integer.parseInt(string(t, "spec", "partitions"))).findFirst().orElseThrow();
    assertTrue(max <= declared, max + " pods for the " + declared + " partitions k8s/strimzi declares");
    assertTrue(Integer.parseInt(string(scaled, "spec", "minReplicaCount")) >= 1, "a cold start loads a model for minutes");
    assertFalse("true".equals(find(kafkaTrigger(overlay), "metadata", "allowIdleConsumers").orElse("false")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void givesEachInferenceAndRetrainingPodOneGpuInTheGpuOverlayOnly(String overlay) {
    boolean gpu = overlay.equals("gpu");
    for (Map<String, Object> workload : List.of(inference(overlay), retraining(overlay))) {
      Map<String, Object> container = maps(Manifests.podSpec(workload), "containers").get(0);
      Object gpus = find(container, "resources", "limits", "nvidia.com/gpu").orElse(null);
      assertEquals(gpu ? "1" : null, gpus == null ? null : gpus.toString(), string(workload, "metadata", "name"));
      Map<String, Object> pod = Manifests.podSpec(workload);
      assertEquals(gpu, find(pod, "tolerations").map(t -> maps(t).stream()
          .anyMatch(x -> "nvidia.com/gpu".equals(x.get("key")))).orElse(false), "toleration of GPU nodes' taint");
      assertEquals(gpu, find(pod, "nodeSelector").isPresent(), "GPU node selector");
    }
    assertEquals(overlay, server(overlay).engine().device());
    assertEquals(overlay, retrainer(overlay).engine().device());
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void probesPortsAndScrapeAnnotationsMatchTheServer(String overlay) {
    int port = server(overlay).web().port();
    int metrics = server(overlay).web().metricsPort().orElseThrow(() -> new AssertionError(
        "Prometheus has no token: the pods serve /metrics on web.metrics-port"));
    Map<String, Object> workload = inference(overlay);
    Map<String, Object> container = Manifests.container(workload, "memreason");
    Map<String, Object> http = maps(container, "ports").get(0);
    assertEquals("http", string(http, "name"));
    assertEquals(String.valueOf(port), string(http, "containerPort"));
    Map<String, Object> metricsPort = maps(container, "ports").get(1);
    assertEquals("metrics", string(metricsPort, "name"));
    assertEquals(String.valueOf(metrics), string(metricsPort, "containerPort"));
    for (String probe : List.of("startupProbe", "livenessProbe")) {
      assertEquals(WebServer.LIVENESS_PATH, string(container, probe, "httpGet", "path"), probe);
      assertEquals("http", string(container, probe, "httpGet", "port"), probe);
    }
    assertEquals(WebServer.READINESS_PATH, string(container, "readinessProbe", "httpGet", "path"));
    Map<String, Object> annotations = map(workload, "spec", "template", "metadata", "annotations");
    assertEquals("true", string(annotations, "prometheus.io/scrape"));
    assertEquals(String.valueOf(metrics), string(annotations, "prometheus.io/port"));
    assertEquals(WebServer.METRICS_PATH, string(annotations, "prometheus.io/path"));
    Map<String, Object> service = render(overlay).one("Service", string(workload, "spec", "serviceName"));
    assertEquals("None", string(service, "spec", "clusterIP"), "the StatefulSet's headless service");
    assertEquals("http", string(maps(service, "spec", "ports").get(0), "targetPort"));
    assertEquals(String.valueOf(port), string(maps(service, "spec", "ports").get(0), "port"));
    assertEquals("metrics", string(maps(service, "spec", "ports").get(1), "targetPort"));
    assertEquals(String.valueOf(metrics), string(maps(service, "spec", "ports").get(1), "port"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void selectsTheInferencePodsInTheServiceAndTheDisruptionBudget(String overlay) {
    Map<String, Object> labels = map(inference(overlay), "spec", "template", "metadata", "labels");
    Map<String, Object> service = map(render(overlay).one("Service", INFERENCE), "spec", "selector");
    Map<String, Object> budget = render(overlay).one("PodDisruptionBudget", INFERENCE);
    assertTrue(labels.entrySet().containsAll(service.entrySet()));
    assertTrue(labels.entrySet().containsAll(map(budget, "spec", "selector", "matchLabels").entrySet()));
    assertEquals("1", string(budget, "spec", "maxUnavailable"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void eachInferencePodIsAStaticGroupMemberNamedAfterItself(String overlay) {
    Map<String, String> streams = server(overlay).kafka().streamsProperties();
    assertEquals("<metadata.name>", streams.get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG));
    assertTrue(Integer.parseInt(streams.get(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG)) > 45_000,
        "a static member should keep its partitions longer than the default session while it restarts");
    assertFalse("streams".equals(streams.get(StreamsConfig.GROUP_PROTOCOL_CONFIG)),
        "the streams rebalance protocol has no static membership");
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void keepsStreamsStatePerPodAndSharesTheModelStoreWithRetraining(String overlay) {
    MemreasonConfig c = server(overlay);
    Map<String, Object> workload = inference(overlay);
    assertEquals(c.kafka().streamsProperties().get(StreamsConfig.STATE_DIR_CONFIG),
        Manifests.mountPath(workload, "memreason", v -> find(v, "spec", "accessModes").isPresent()).orElseThrow(),
        "the state directory is the pod's own volume (volume claim template)");
    Map<String, Object> store = maps(Manifests.podSpec(workload), "volumes").stream()
        .filter(v -> find(v, "persistentVolumeClaim").isPresent()).findFirst().orElseThrow();
    String claim = string(store, "persistentVolumeClaim", "claimName");
    assertEquals(List.of("ReadWriteMany"), list(render(overlay).one("PersistentVolumeClaim", claim), "spec", "accessModes"));
    assertEquals(c.model().cacheDir().toString(), Manifests.mountPath(workload, "memreason",
        v -> claim.equals(find(v, "persistentVolumeClaim", "claimName").orElse(null))).orElseThrow());
    assertEquals(c.model().cacheDir().toString(), Manifests.mountPath(retraining(overlay), "retrain",
        v -> claim.equals(find(v, "persistentVolumeClaim", "claimName").orElse(null))).orElseThrow());
    assertTrue(c.model().dir().orElseThrow() instanceof HubModelId, "the base model is a Hub id");
    assertTrue(c.hub().cache().startsWith(c.model().cacheDir()), "the Hub cache with the base model is on the store");
    assertTrue(c.hub().offline(), "the pods read the cache the download job filled, without asking the Hub");
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void retrainsWithTheServersKafkaTopicsAndModelStore(String overlay) {
    assertEquals(List.of("retrain"), list(Manifests.container(retraining(overlay), "retrain"), "args"));
    MemreasonConfig serve = server(overlay);
    MemreasonConfig retrain = retrainer(overlay);
    assertEquals(serve.kafka().clientProperties(), retrain.kafka().clientProperties());
    assertEquals(serve.kafka().serdeFormat(), retrain.kafka().serdeFormat());
    assertEquals(serve.topics(), retrain.topics());
    assertEquals(serve.model(), retrain.model());
    assertEquals("Forbid", string(retraining(overlay), "spec", "concurrencyPolicy"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void runsTheImageOfThisVersionBuiltForTheOverlaysFlavour(String overlay) {
    String image = "memreason:" + Repository.releaseVersion() + "-" + overlay;
    for (Map<String, Object> workload : List.of(inference(overlay), retraining(overlay))) {
      maps(Manifests.podSpec(workload), "containers").forEach(c -> assertEquals(image, string(c, "image")));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void takesEverySecretSettingFromASecret(String overlay) {
    assertTrue(render(overlay).all("Secret").isEmpty(), "Secrets are created in the cluster, not rendered");
    for (Map<String, Object> workload : List.of(inference(overlay), retraining(overlay))) {
      Manifests.Environment env = Manifests.environment(maps(Manifests.podSpec(workload), "containers").get(0));
      env.values().keySet().forEach(name -> EnvironmentVariables.keysSetBy(name).stream().filter(Settings::isSecret)
          .forEach(key -> assertTrue(env.fromSecrets().contains(name), name + " sets the secret " + key
              + " from something other than a Secret")));
      assertFalse(env.values().containsKey("MEMREASON_KAFKA_SASL_JAAS_CONFIG"), "no login shared by every component");
    }
    Set<String> inference = Manifests.environment(Manifests.container(inference(overlay), "memreason")).fromSecrets();
    for (String component : List.of("INFERENCE", "FEEDBACK", "WEB")) {
      assertTrue(inference.contains("MEMREASON_KAFKA_" + component + "_SASL_JAAS_CONFIG"), component);
    }
    assertTrue(Manifests.environment(Manifests.container(retraining(overlay), "retrain")).fromSecrets()
        .contains("MEMREASON_KAFKA_RETRAIN_SASL_JAAS_CONFIG"));
  }

  /** serve asks for tokens: the pods read them from a Secret mounted where web.tokens-file points. */
  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void theHttpServerSignsInWithTokensFromASecret(String overlay) {
    MemreasonConfig c = server(overlay);
    assertTrue(c.web().auth().tokens());
    String file = c.web().auth().tokensFile().orElseThrow().toString();
    Map<String, Object> volume = Manifests.volumeMountedAt(inference(overlay), "memreason",
        file.substring(0, file.lastIndexOf('/')));
    assertEquals("memreason-web-tokens", string(volume, "secret", "secretName"));
    assertEquals(file.substring(file.lastIndexOf('/') + 1), string(list(volume, "secret", "items").get(0), "path"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void autoscalerLogsInAsItsOwnUserWithTheCaThePodsTrust(String overlay) {
    String triggerAuth = string(kafkaTrigger(overlay), "authenticationRef", "name");
    Set<String> kedaSecrets = Set.copyOf(maps(render(overlay).one("TriggerAuthentication", triggerAuth),
        "spec", "secretTargetRef").stream().map(r -> string(r, "name")).toList());
    MemreasonConfig c = server(overlay);
    String caFile = c.kafka().clientProperties().get("ssl.truststore.location");
    Map<String, Object> ca = Manifests.volumeMountedAt(inference(overlay), "memreason",
        caFile.substring(0, caFile.lastIndexOf('/')));
    assertEquals(kedaSecrets, Set.of(string(ca, "secret", "secretName")));
    assertEquals(caFile.substring(caFile.lastIndexOf('/') + 1), string(list(ca, "secret", "items").get(0), "path"));
    Manifests.Environment env = Manifests.environment(Manifests.container(inference(overlay), "memreason"));
    env.values().forEach((name, value) -> kedaSecrets.forEach(s -> assertFalse(value.contains("<secret " + s
        + "/password>"), name + " logs in with the autoscaler's password")));
  }

}
