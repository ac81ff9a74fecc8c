package io.memreason.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How to reach the Hugging Face Hub and where its files are kept, as huggingface_hub reads them: the endpoint
 * ({@code HF_ENDPOINT}), the home folder holding a saved login {@code token} ({@code HF_HOME}), the cache
 * ({@code HF_HUB_CACHE}, by default {@code home/hub}), the access token ({@code HF_TOKEN}) and whether to stay
 * offline ({@code HF_HUB_OFFLINE}). The token never shows in {@link #toString()}.
 *
 * @param token the token given explicitly; without one, the file {@code home/token} that {@code hf auth login} writes
 */
public record HubSettings(URI endpoint, Path home, Path cache, Optional<String> token, boolean offline) {
  public static final URI DEFAULT_ENDPOINT = URI.create("https://huggingface.co");

  public HubSettings {
    String scheme = endpoint.getScheme();
    if (!("https".equals(scheme) || "http".equals(scheme)) || endpoint.getHost() == null) {
      throw new IllegalArgumentException("the Hub endpoint must be an http(s) URL, not '" + endpoint + "'");
    }
    // huggingface_hub strips a trailing slash too; request paths are appended to it.
    endpoint = URI.create(endpoint.toString().replaceAll("/+$", ""));
    token = token.map(String::strip).filter(t -> !t.isEmpty());
  }

  /** Settings whose cache is huggingface_hub's default, {@code home/hub}. */
  public HubSettings(URI endpoint, Path home, Optional<String> token, boolean offline) {
    this(endpoint, home, home.resolve("hub"), token, offline);
  }

  /** The explicit token, or else the saved login in {@code home/token}, or none (public repositories only). */
  Optional<String> accessToken() {
    if (token.isPresent()) {
      return token;
    }
    Path saved = home.resolve("token");
    if (!Files.isRegularFile(saved)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Files.readString(saved, StandardCharsets.UTF_8).strip()).filter(t -> !t.isEmpty());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the saved Hub login " + saved + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "HubSettings[endpoint=" + endpoint + ", home=" + home + ", cache=" + cache + ", token=" + (token.isPresent() ? "******" : "none")
        + ", offline=" + offline + "]";
  }
}
