package io.memreason.deploy;

import static io.memreason.deploy.Tree.find;
import static io.memreason.deploy.Tree.list;
import static io.memreason.deploy.Tree.maps;
import static io.memreason.deploy.Tree.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.cli.Main;
import io.memreason.config.MemreasonConfig;
import io.memreason.hub.ModelLocation;
import io.memreason.kafka.ComponentAcls;
import io.memreason.pipeline.InferenceTopology;
import io.memreason.web.WebServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The optional pieces next to the overlays: Strimzi's topics and user (k8s/strimzi), the ServiceMonitor component
 * and the model download job, against the configuration the inference pods get.
 */
class ClusterAddOnsTest {

  /** The configuration of the gpu overlay's inference pods (topics and Kafka are the same in both overlays). */
  private static MemreasonConfig server() {
    Manifests m = Kustomize.render("k8s/overlays/gpu");
    return m.configuration(m.one("StatefulSet", "memreason"), "memreason", Dockerfile.read().environment("gpu"));
  }

  private static List<String> topicNames(MemreasonConfig.Topics t) {
    return List.of(t.questions(), t.memorySteps(), t.reasonSteps(), t.answers(), t.feedback(), t.trainingExamples(),
        t.modelVersions(), t.deadLetters(), t.feedbackStats(), t.shadowAnswers());
  }

  @Test
  void strimziDeclaresEveryTopicOfTheConfigurationWithItsPartitionsAndReplicas() {
    MemreasonConfig.Topics t = server().topics();
    List<Map<String, Object>> declared = Kustomize.render("k8s/strimzi").all("KafkaTopic");
    assertEquals(new TreeSet<>(topicNames(t)),
        declared.stream().map(d -> string(d, "spec", "topicName")).collect(Collectors.toCollection(TreeSet::new)));
    for (Map<String, Object> d : declared) {
      assertEquals(String.valueOf(t.partitions()), string(d, "spec", "partitions"), string(d, "spec", "topicName"));
      assertEquals(String.valueOf(t.replicationFactor()), string(d, "spec", "replicas"), string(d, "spec", "topicName"));
    }
  }

  /** As TopicCreator creates them: the latest record per key is the state of these three. */
  @Test
  void strimziCompactsTheTopicsThatHoldState() {
    MemreasonConfig.Topics t = server().topics();
    Set<String> compacted = Kustomize.render("k8s/strimzi").all("KafkaTopic").stream()
        .filter(d -> "compact".equals(find(d, "spec", "config", "cleanup.policy").orElse(null)))
        .map(d -> string(d, "spec", "topicName")).collect(Collectors.toSet());
    assertEquals(Set.of(t.modelVersions(), t.trainingExamples(), t.feedbackStats()), compacted);
  }

  /**
   * Each component's Kafka user has exactly the ACLs the component needs (those KafkaPrincipalsIT runs the pipeline
   * with), for the topics, groups and transactional ids of the pods' configuration; KEDA's only describes.
   */
  @Test
  void strimziUsersHaveExactlyTheAclsOfTheirComponent() {
    MemreasonConfig c = server();
    Manifests strimzi = Kustomize.render("k8s/strimzi");
    Map<MemreasonConfig.Component, List<ComponentAcls.Acl>> expected = ComponentAcls.of(c);
    for (MemreasonConfig.Component component : MemreasonConfig.Component.values()) {
      Map<String, Object> user = strimzi.one("KafkaUser", "memreason-" + component.key());
      assertEquals("scram-sha-512", string(user, "spec", "authentication", "type"));
      assertEquals(expected.get(component).stream().map(ClusterAddOnsTest::strimzi).collect(Collectors.toSet()),
          maps(user, "spec", "authorization", "acls").stream().map(ClusterAddOnsTest::declared)
              .collect(Collectors.toSet()), component.key());
    }
    Map<String, Object> autoscaler = strimzi.one("KafkaUser", "memreason-autoscaler");
    assertEquals(Set.of("Describe topic literal " + c.topics().questions(),
        "Describe group literal " + c.kafka().applicationId()),
        maps(autoscaler, "spec", "authorization", "acls").stream().map(ClusterAddOnsTest::declared)
            .collect(Collectors.toSet()));
    assertEquals(7, strimzi.all("KafkaUser").size() + 1, "a user per component and the autoscaler's");
  }

  /** Inference's transactional-id prefix must not cover the aggregator's: one could fence the other. */
  @Test
  void theApplicationIdsAreNotPrefixesOfEachOther() {
    MemreasonConfig c = server();
    assertFalse(c.feedback().applicationId().startsWith(c.kafka().applicationId() + "-"));
    assertFalse(c.kafka().applicationId().startsWith(c.feedback().applicationId() + "-"));
  }

  private static String strimzi(ComponentAcls.Acl a) {
    return a.operations() + " " + (a.resourceType().equals("transactional-id") ? "transactionalId" : a.resourceType())
        + " " + (a.prefix() ? "prefix" : "literal") + " " + a.name();
  }

  private static String declared(Map<String, Object> acl) {
    return String.join(",", list(acl, "operations").stream().map(Object::toString).toList()) + " "
        + string(acl, "resource", "type") + " " + find(acl, "resource", "patternType").orElse("literal") + " "
        + string(acl, "resource", "name");
  }

  @Test
  void serviceMonitorScrapesTheServersMetricsPathOnTheInferenceService() throws IOException {
    // The component as the README adds it to an overlay: under that overlay's namespace.
    String namespace = string(Repository.yaml("k8s/overlays/gpu/kustomization.yaml"), "namespace");
    Path dir = Files.createDirectories(Repository.ROOT.resolve("target/kustomize/gpu-with-servicemonitor"));
    Files.writeString(dir.resolve("kustomization.yaml"), String.join("\n",
        "apiVersion: kustomize.config.k8s.io/v1beta1", "kind: Kustomization", "namespace: " + namespace,
        "resources: [../../../k8s/overlays/gpu]", "components: [../../../k8s/components/servicemonitor]", ""));
    Manifests m = Kustomize.render(dir);
    Map<String, Object> monitor = m.one("ServiceMonitor", "memreason");
    Map<String, Object> service = m.one("Service", "memreason");
    assertEquals(string(service, "metadata", "namespace"), string(monitor, "metadata", "namespace"));
    Map<String, Object> selector = Tree.map(monitor, "spec", "selector", "matchLabels");
    assertTrue(Tree.map(service, "metadata", "labels").entrySet().containsAll(selector.entrySet()));
    Map<String, Object> endpoint = maps(monitor, "spec", "endpoints").get(0);
    assertEquals(WebServer.METRICS_PATH, string(endpoint, "path"));
    Map<String, Object> metricsPort = maps(service, "spec", "ports").stream()
        .filter(p -> string(endpoint, "port").equals(p.get("name"))).findFirst().orElseThrow();
    assertEquals(String.valueOf(server().web().metricsPort().orElseThrow()), string(metricsPort, "port"),
        "Prometheus scrapes the port without sign-in");
  }

  @Test
  void modelDownloadFetchesTheServersHubModelWithMemreasonItselfIntoTheCacheThePodsReadOffline() {
    MemreasonConfig c = server();
    Manifests m = Kustomize.render("k8s/jobs/download-model");
    Map<String, Object> job = m.one("Job", "memreason-download-model");
    Map<String, Object> container = Manifests.container(job, "download");
    List<Object> args = list(container, "args");
    assertEquals("fetch-model", args.get(0));
    assertTrue(new CommandLine(new Main()).getSubcommands().containsKey("fetch-model"));
    assertTrue(find(container, "command").isEmpty(), "the image's entrypoint (memreason) runs it, no shell or pip");
    assertEquals(List.of("memreason"), Dockerfile.execForm(Dockerfile.read().last("cpu", "ENTRYPOINT")));
    assertEquals(string(Manifests.container(Kustomize.render("k8s/overlays/cpu").one("StatefulSet", "memreason"),
        "memreason"), "image"), string(container, "image"), "the job runs memreason's own image");
    assertEquals(c.model().dir().orElseThrow(), ModelLocation.parse(args.get(1).toString()),
        "the job fetches the model the pods serve");

    Manifests.Environment env = Manifests.environment(container);
    assertTrue(env.fromSecrets().contains("HF_TOKEN"));
    Map<String, String> jobEnvironment = new HashMap<>(Dockerfile.read().environment("cpu"));
    jobEnvironment.putAll(env.values());
    MemreasonConfig fetching = MemreasonConfig.load(Optional.empty(), jobEnvironment, Map.of());
    assertTrue(fetching.hub().token().isPresent(), "HF_TOKEN is the token");
    assertFalse(fetching.hub().offline());
    assertEquals(c.hub().home(), fetching.hub().home(), "the job fills the cache the pods read");
    assertTrue(c.hub().offline(), "the pods never contact the Hub");

    Manifests overlay = Kustomize.render("k8s/overlays/gpu");
    String claim = string(overlay.one("PersistentVolumeClaim", "memreason-models"), "metadata", "name");
    String store = Manifests.mountPath(job, "download",
        v -> claim.equals(find(v, "persistentVolumeClaim", "claimName").orElse(null))).orElseThrow();
    assertEquals(c.model().cacheDir().toString(), store);
    assertTrue(fetching.hub().cache().startsWith(store), "the cache is on the model store");
    assertEquals(string(overlay.one("PersistentVolumeClaim", claim), "metadata", "namespace"),
        string(job, "metadata", "namespace"));
  }
}
