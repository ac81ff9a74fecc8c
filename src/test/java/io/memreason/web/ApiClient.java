package io.memreason.web;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;

/** Requests to a test server as an API client sends them: a token (or none), extra headers, a JSON body. */
final class ApiClient {
  final HttpClient http;
  final String base;

  ApiClient(HttpClient http, String base) {
    this.http = http;
    this.base = base;
  }

  ApiClient(int port) {
    this(HttpClient.newHttpClient(), "http://127.0.0.1:" + port);
  }

  /** A request with these headers (name, value, name, value, ...) and, unless null, this JSON body. */
  HttpResponse<String> send(String method, String path, String body, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    Map<String, String> all = new LinkedHashMap<>();
    if (body != null) {
      all.put("Content-Type", "application/json");
    }
    for (int i = 0; i < headers.length; i += 2) {
      all.put(headers[i], headers[i + 1]);
    }
    all.forEach(b::header);
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  HttpResponse<String> get(String path, String token) {
    return token == null ? send("GET", path, null) : send("GET", path, null, "Authorization", "Bearer " + token);
  }

  HttpResponse<String> post(String path, String token, String json) {
    return token == null ? send("POST", path, json) : send("POST", path, json, "Authorization", "Bearer " + token);
  }
}
