package io.memreason.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.hub.HubModelId;
import io.memreason.hub.HubSettings;
import io.memreason.hub.ModelLocation;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The hub.* keys, Hugging Face's own environment variables for them, and model locations in model.dir/adapter. */
class HubConfigurationTest {
  private static final String TOKEN = "hf_configTestToken0123456789SECRET";

  private static MemreasonConfig withEnvironment(Map<String, String> env) {
    return MemreasonConfig.load(Optional.empty(), env, Map.of());
  }

  @Test
  void defaultsAreHuggingFaceHubsOwn() {
    HubSettings hub = MemreasonConfig.defaults().hub();
    assertEquals(URI.create("https://huggingface.co"), hub.endpoint());
    assertEquals(Path.of(System.getProperty("user.home"), ".cache", "huggingface"), hub.home());
    assertEquals(hub.home().resolve("hub"), hub.cache());
    assertTrue(hub.token().isEmpty());
    assertFalse(hub.offline());
  }

  @Test
  void huggingFacesVariablesSetTheHubKeysAsTheyDoForPython() {
    HubSettings hub = withEnvironment(Map.of("HF_ENDPOINT", "http://mirror.internal:8080/", "HF_HOME",
        "/data/hf", "HF_TOKEN", TOKEN, "HF_HUB_OFFLINE", "1")).hub();
    assertEquals(URI.create("http://mirror.internal:8080"), hub.endpoint(), "a trailing slash is dropped");
    assertEquals(Path.of("/data/hf"), hub.home());
    assertEquals(Optional.of(TOKEN), hub.token());
    assertTrue(hub.offline());
    assertEquals(Optional.of("old"), withEnvironment(Map.of("HUGGING_FACE_HUB_TOKEN", "old")).hub().token());
    assertEquals(Optional.of(TOKEN), withEnvironment(Map.of("HUGGING_FACE_HUB_TOKEN", "old", "HF_TOKEN", TOKEN)).hub().token());
    assertFalse(withEnvironment(Map.of("HF_HUB_OFFLINE", "0")).hub().offline());
  }

  @Test
  void theCacheFolderIsFoundAsHuggingfaceHubFindsIt() {
    assertEquals(Path.of("/xdg/huggingface/hub"), withEnvironment(Map.of("XDG_CACHE_HOME", "/xdg")).hub().cache());
    assertEquals(Path.of("/hf/hub"), withEnvironment(Map.of("XDG_CACHE_HOME", "/xdg", "HF_HOME", "/hf")).hub().cache(),
        "HF_HOME wins over XDG_CACHE_HOME");
    HubSettings ownCache = withEnvironment(Map.of("HF_HOME", "/hf", "HF_HUB_CACHE", "/fast/hub")).hub();
    assertEquals(Path.of("/fast/hub"), ownCache.cache());
    assertEquals(Path.of("/hf"), ownCache.home(), "the saved login stays in HF_HOME");
    assertEquals(Path.of("/old/hub"), withEnvironment(Map.of("HUGGINGFACE_HUB_CACHE", "/old/hub")).hub().cache());
    assertEquals(Path.of("/new/hub"),
        withEnvironment(Map.of("HUGGINGFACE_HUB_CACHE", "/old/hub", "HF_HUB_CACHE", "/new/hub")).hub().cache());
  }

  @Test
  void aMemreasonVariableWinsOverHuggingFacesAndTheCommandLineOverBoth() {
    MemreasonConfig c = MemreasonConfig.load(Optional.empty(),
        Map.of("HF_HOME", "/from/hf", "MEMREASON_HUB_HOME", "/from/memreason", "HF_ENDPOINT", "http://a.example"),
        Map.of("hub.endpoint", "http://b.example"));
    assertEquals(Path.of("/from/memreason"), c.hub().home());
    assertEquals(URI.create("http://b.example"), c.hub().endpoint());
  }

  @Test
  void theTokenIsASecretNeverPrinted() {
    MemreasonConfig c = withEnvironment(Map.of("HF_TOKEN", TOKEN));
    assertTrue(Settings.isSecret("hub.token"));
    assertEquals("******", c.settings().redacted().get("hub.token"));
    assertFalse(c.toString().contains(TOKEN), c.toString());
    assertFalse(c.hub().toString().contains(TOKEN), c.hub().toString());
  }

  @Test
  void modelDirAndAdapterTakeAFolderOrAHubId() {
    MemreasonConfig c = MemreasonConfig.defaults().with(Map.of("model.dir", "hf:Qwen/Qwen2.5-0.5B@refs/pr/3",
        "model.adapter", "/models/lora"));
    assertEquals(Optional.of(new HubModelId("Qwen/Qwen2.5-0.5B", "refs/pr/3")), c.model().dir());
    assertEquals(Optional.of(new ModelLocation.Folder(Path.of("/models/lora"))), c.model().adapter());
    assertEquals(Optional.of(new HubModelId("gpt2", "main")),
        MemreasonConfig.defaults().with(Map.of("model.dir", "hf:gpt2")).model().dir());
  }

  @Test
  void badHubValuesAreClearErrors() {
    ConfigException id = assertThrows(ConfigException.class,
        () -> MemreasonConfig.defaults().with(Map.of("model.dir", "hf:org/../name")));
    assertTrue(id.getMessage().startsWith("model.dir: 'org/../name' is not a Hugging Face repository id"), id.getMessage());
    ConfigException offline = assertThrows(ConfigException.class,
        () -> MemreasonConfig.defaults().with(Map.of("hub.offline", "maybe")));
    assertEquals("hub.offline must be true or false (1 or 0), not 'maybe'", offline.getMessage());
    ConfigException endpoint = assertThrows(ConfigException.class,
        () -> MemreasonConfig.defaults().with(Map.of("hub.endpoint", "ftp://hub")));
    assertEquals("hub.endpoint must be the http(s) URL of the Hub or a mirror, not 'ftp://hub'", endpoint.getMessage());
  }

  @Test
  void aHomeInTheUsersFolderIsExpandedAsPythonDoes() {
    assertEquals(Path.of(System.getProperty("user.home"), "hf"),
        MemreasonConfig.defaults().with(Map.of("hub.home", "~/hf")).hub().home());
  }
}
