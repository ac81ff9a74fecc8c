package io.memreason.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.config.MemreasonConfig;
import io.memreason.config.Settings;
import io.memreason.web.WebServer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** docker/Dockerfile against the code: ports, health path, launcher, libtorch/JNI pairing, volumes, user, secrets. */
class DockerImageTest {
  private final Dockerfile dockerfile = Dockerfile.read();

  private MemreasonConfig imageConfiguration(String flavour) {
    return MemreasonConfig.load(Optional.empty(), dockerfile.environment(flavour), Map.of());
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void exposesAndHealthChecksTheServersPortAndLivenessPath(String flavour) {
    int port = imageConfiguration(flavour).web().port();
    assertEquals(String.valueOf(port), dockerfile.last(flavour, "EXPOSE"));
    String check = dockerfile.last(flavour, "HEALTHCHECK");
    assertTrue(check.endsWith("CMD [\"memreason-healthcheck\"]"), check);
    assertTrue(dockerfile.image(flavour).contains(
        new Dockerfile.Instruction("COPY", "docker/healthcheck /opt/memreason/bin/memreason-healthcheck")));
    String script = Repository.text("docker/healthcheck");
    assertTrue(script.contains("GET " + WebServer.LIVENESS_PATH + " "), script);
    assertTrue(script.contains("${" + Settings.envName("web.port") + ":-" + port + "}"),
        "the health check should use the configured port, default " + port);
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void runsServeThroughTheLauncherAsANonRootUser(String flavour) {
    assertEquals(List.of("memreason"), Dockerfile.execForm(dockerfile.last(flavour, "ENTRYPOINT")));
    assertEquals(List.of("serve"), Dockerfile.execForm(dockerfile.last(flavour, "CMD")));
    assertTrue(dockerfile.image(flavour).contains(new Dockerfile.Instruction("COPY", "bin/memreason /opt/memreason/bin/memreason")));
    assertTrue(dockerfile.environment(flavour).get("PATH").startsWith("/opt/memreason/bin:"));
    String user = dockerfile.last(flavour, "USER").split(":")[0];
    assertFalse(user.equals("root") || user.equals("0"), "runs as " + user);
    // bin/memreason runs target/memreason.jar with target/lib/*: the image keeps that layout under /opt/memreason.
    assertTrue(Repository.text("bin/memreason").contains("jar=\"$home/target/memreason.jar\""));
    assertTrue(dockerfile.image(flavour).contains(new Dockerfile.Instruction("COPY", "--from=build /out/app/ /opt/memreason/")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void pointsDjlAtAnUnpackedLibtorchWithTheJniBuiltForIt(String flavour) {
    Map<String, String> env = dockerfile.environment(flavour);
    String jniFlavour = flavour.equals("cpu") ? "cpu" : "cu128";
    assertEquals(Repository.pomProperty("pytorch.version"), env.get("PYTORCH_VERSION"),
        "another version would send DJL to its download path");
    assertEquals(jniFlavour, env.get("PYTORCH_FLAVOR"));
    assertEquals("true", env.get("DJL_OFFLINE"));
    assertEquals("true", env.get("OPT_OUT_TRACKING"));
    String jni = "jnilib/linux-x86_64/" + jniFlavour + "/libdjl_torch.so";
    assertNotNull(getClass().getClassLoader().getResource(jni), "the pytorch-jni jar has no " + jni);
    assertTrue(dockerfile.image(flavour).contains(new Dockerfile.Instruction("COPY",
        "--from=build /out/jni/" + jni + " " + env.get("PYTORCH_LIBRARY_PATH") + "/")),
        "the JNI library should sit in PYTORCH_LIBRARY_PATH, where DJL looks first");
  }

  @Test
  void gpuLibtorchIsTheCuda128BuildOfThePytorchVersion() {
    String url = dockerfile.stage("libtorch-cu128").instructions().stream()
        .filter(i -> i.keyword().equals("ARG") && i.arguments().startsWith("LIBTORCH_URL="))
        .map(i -> i.arguments().substring("LIBTORCH_URL=".length())).findFirst().orElseThrow();
    assertTrue(url.endsWith("/cu128/libtorch-cxx11-abi-shared-with-deps-" + Repository.pomProperty("pytorch.version")
        + "%2Bcu128.zip"), url);
    assertTrue(dockerfile.globalArg("CUDA_IMAGE").startsWith("nvidia/cuda:12.8."), dockerfile.globalArg("CUDA_IMAGE"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void keepsTheModelStoreAndStreamsStateInVolumesOutsideTheImage(String flavour) {
    MemreasonConfig c = imageConfiguration(flavour);
    String models = c.model().cacheDir().toString();
    assertEquals("[\"" + models + "\"]", dockerfile.last(flavour, "VOLUME"));
    assertTrue(c.hub().cache().startsWith(models), "hf: models are cached on the model store too");
    assertTrue(c.kafka().streamsProperties().get("state.dir").startsWith("/var/lib/memreason/"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"cpu", "gpu"})
  void bakesNoSecretIntoTheImage(String flavour) {
    dockerfile.environment(flavour).keySet().forEach(name -> EnvironmentVariables.keysSetBy(name).forEach(key ->
        assertFalse(Settings.isSecret(key), "the image sets the secret " + key + " through " + name)));
    dockerfile.image(flavour).stream().filter(i -> i.keyword().equals("ARG") || i.keyword().equals("ENV"))
        .forEach(i -> assertFalse(i.arguments().matches("(?i).*(password|secret|token).*"), i.toString()));
  }
}
