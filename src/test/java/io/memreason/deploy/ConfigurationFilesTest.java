package io.memreason.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.config.MemreasonConfig;
import io.memreason.config.Settings;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The configuration files: every key means something to memreason or to the library it is passed to, the
 * examples load into a typed configuration, and none sets a key the image's environment would silently override.
 */
class ConfigurationFilesTest {

  private static Properties properties(String file) throws IOException {
    Properties p = new Properties();
    p.load(new StringReader(Repository.text(file)));
    return p;
  }

  @ParameterizedTest
  @ValueSource(strings = {"config/memreason.properties", "config/production.properties", "k8s/base/memreason.properties"})
  void everyKeyIsAMemreasonKeyOrASettingOfTheLibraryItIsPassedTo(String file) throws IOException {
    List<String> problems = new ArrayList<>();
    for (String key : properties(file).stringPropertyNames()) {
      ConfigurationKeys.problem(key).ifPresent(problems::add);
    }
    assertEquals(List.of(), problems, file);
  }

  @ParameterizedTest
  @ValueSource(strings = {"config/production.properties", "k8s/base/memreason.properties"})
  void loadsIntoATypedConfiguration(String file) {
    MemreasonConfig c = MemreasonConfig.load(Optional.of(Repository.path(file)), Map.of(), Map.of());
    assertEquals("SASL_SSL", c.kafka().clientProperties().get("security.protocol"), file);
    assertFalse(c.topics().create(), file + ": production topics are declared by the cluster, not created by memreason");
  }

  @ParameterizedTest
  @ValueSource(strings = {"config/production.properties", "k8s/base/memreason.properties"})
  void keepsSecretsOutOfTheFile(String file) throws IOException {
    for (String key : properties(file).stringPropertyNames()) {
      assertFalse(Settings.isSecret(key), file + " sets the secret " + key + ": give it as an environment variable");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"config/production.properties", "k8s/base/memreason.properties"})
  void setsNoKeyTheImagesEnvironmentOverridesToAnotherValue(String file) throws IOException {
    Properties p = properties(file);
    for (String flavour : Dockerfile.FLAVOURS) {
      Dockerfile.read().environment(flavour).forEach((name, value) -> {
        for (String key : EnvironmentVariables.keysSetBy(name)) {
          if (p.containsKey(key)) {
            assertEquals(value, p.getProperty(key), file + " sets " + key + ", but in the image " + name
                + " overrides it (the environment wins over files)");
          }
        }
      });
    }
  }

  @Test
  void productionExampleServesOneGpuThroughASchemaRegistry() {
    MemreasonConfig c = MemreasonConfig.load(Optional.of(Repository.path("config/production.properties")),
        Map.of(), Map.of());
    assertEquals("gpu", c.engine().device());
    assertTrue(c.engine().maxBatch() > MemreasonConfig.defaults().engine().maxBatch(),
        "a GPU decodes larger batches than the CPU default");
    assertEquals("registry", c.kafka().serdeFormat());
    assertTrue(c.kafka().registryUrl().startsWith("https://"), c.kafka().registryUrl());
  }
}
