package io.memreason.web;

import io.javalin.http.HttpStatus;
import java.util.Map;

/**
 * A request the API refuses, with the HTTP status, a message that says what is wrong and what to do, and headers the
 * refusal carries (e.g. {@code Retry-After}).
 */
final class ApiException extends RuntimeException {
  private final HttpStatus status;
  private final Map<String, String> headers;

  ApiException(HttpStatus status, String message) {
    this(status, message, Map.of());
  }

  ApiException(HttpStatus status, String message, Map<String, String> headers) {
    super(message);
    this.status = status;
    this.headers = Map.copyOf(headers);
  }

  static ApiException badRequest(String message) {
    return new ApiException(HttpStatus.BAD_REQUEST, message);
  }

  /** 429: a quota is used up; try again after {@code retryAfterSeconds}. */
  static ApiException tooMany(String message, long retryAfterSeconds) {
    return new ApiException(HttpStatus.TOO_MANY_REQUESTS, message,
        Map.of("Retry-After", String.valueOf(Math.max(1, retryAfterSeconds))));
  }

  HttpStatus status() {
    return status;
  }

  Map<String, String> headers() {
    return headers;
  }
}
