package io.memreason.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** hf:ORG/NAME[@REVISION] as users write it, and what it becomes in the cache and in URLs. */
class HubModelIdTest {

  @Test
  void readsRepositoryAndRevisionDefaultingToMain() {
    assertEquals(new HubModelId("meta-llama/Llama-3.2-1B", "main"), HubModelId.parse("hf:meta-llama/Llama-3.2-1B"));
    assertEquals(new HubModelId("Qwen/Qwen2.5-0.5B", "v1.0"), HubModelId.parse("hf:Qwen/Qwen2.5-0.5B@v1.0"));
    assertEquals("hf:Qwen/Qwen2.5-0.5B@v1.0", HubModelId.parse("hf:Qwen/Qwen2.5-0.5B@v1.0").toString());
    assertEquals(new ModelLocation.Folder(Path.of("/models/base")), ModelLocation.parse("/models/base"));
    assertEquals(new HubModelId("gpt2", "main"), ModelLocation.parse(" hf:gpt2 "));
  }

  @Test
  void cacheFolderIsNamedAsHuggingfaceHubNamesIt() {
    assertEquals("models--meta-llama--Llama-3.2-1B", HubModelId.parse("hf:meta-llama/Llama-3.2-1B").cacheFolderName());
    assertEquals("models--gpt2", HubModelId.parse("hf:gpt2").cacheFolderName());
  }

  @Test
  void aCommitIsPinnedABranchIsNot() {
    assertTrue(HubModelId.parse("hf:org/name@0123456789abcdef0123456789abcdef01234567").pinned());
    assertFalse(HubModelId.parse("hf:org/name@main").pinned());
  }

  @Test
  void revisionsAreOnePathSegmentInUrls() {
    assertEquals("refs%2Fpr%2F1", HubClient.encode("refs/pr/1"));
    assertEquals("v1.0_rc-2", HubClient.encode("v1.0_rc-2"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"hf:", "hf:../etc", "hf:org/../name", "hf:org/na--me", "hf:/name", "hf:org/name/extra",
      "hf:org/name@", "hf:org/name@../../x", "hf:org/name@/main", "hf:-org/name", "hf:org/name."})
  void refusesIdsThatAreNoRepositoryOrWouldLeaveTheCache(String id) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HubModelId.parse(id));
    assertTrue(e.getMessage().contains("is not a"), e.getMessage());
  }

  @Test
  void etagsAreNormalizedAsHuggingfaceHubDoes() {
    assertEquals("abc123", HubClient.normalizeEtag("W/\"abc123\""));
    assertEquals("abc123", HubClient.normalizeEtag("\"abc123\""));
  }
}
