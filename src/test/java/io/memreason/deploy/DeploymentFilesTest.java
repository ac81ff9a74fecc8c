package io.memreason.deploy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every YAML and JSON file under docker/ and k8s/ parses, and every Kubernetes document names what it is. */
class DeploymentFilesTest {

  static Stream<Path> yamlFiles() {
    return Stream.concat(Repository.files("docker").stream(), Repository.files("k8s").stream())
        .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"));
  }

  static Stream<Path> kubernetesFiles() {
    return yamlFiles().filter(p -> Repository.ROOT.relativize(p).startsWith("k8s"));
  }

  static Stream<Path> jsonFiles() {
    return Stream.concat(Repository.files("docker").stream(), Repository.files("k8s").stream())
        .filter(p -> p.toString().endsWith(".json"));
  }

  @ParameterizedTest
  @MethodSource("yamlFiles")
  void yamlFileParsesIntoMappings(Path file) throws IOException {
    List<Object> docs = Repository.yamlDocuments(Files.readString(file), file.toString());
    assertFalse(docs.isEmpty(), file + " holds no document");
    docs.forEach(d -> assertTrue(d instanceof Map, file + ": a document is not a mapping: " + d));
  }

  @ParameterizedTest
  @MethodSource("kubernetesFiles")
  void kubernetesDocumentsNameTheirApiKindAndName(Path file) throws IOException {
    for (Object doc : Repository.yamlDocuments(Files.readString(file), file.toString())) {
      for (String field : List.of("apiVersion", "kind")) {
        assertTrue(Tree.find(doc, field).isPresent(), file + ": a document has no " + field);
      }
      boolean kustomization = Tree.string(doc, "kind").equals("Kustomization")
          || Tree.string(doc, "kind").equals("Component");
      assertTrue(kustomization || Tree.find(doc, "metadata", "name").isPresent(), file + ": a resource has no name");
    }
  }

  @ParameterizedTest
  @MethodSource("jsonFiles")
  void jsonFileParsesIntoAnObject(Path file) throws IOException {
    if (!JsonParser.parseString(Files.readString(file)).isJsonObject()) {
      fail(file + " is not a JSON object");
    }
  }

  @ParameterizedTest
  @MethodSource("yamlFiles")
  void fileHoldsNoKubernetesSecret(Path file) throws IOException {
    for (Object doc : Repository.yamlDocuments(Files.readString(file), file.toString())) {
      assertFalse("Secret".equals(Tree.find(doc, "kind").orElse(null)),
          file + " defines a Secret: credentials are created in the cluster, never kept in the repository");
    }
  }
}
