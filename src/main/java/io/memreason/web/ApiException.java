package io.memreason.web;

import io.javalin.http.HttpStatus;

/** A request the API refuses, with the HTTP status and a message that says what is wrong and what to do. */
final class ApiException extends RuntimeException {
  private final HttpStatus status;

  ApiException(HttpStatus status, String message) {
    super(message);
    this.status = status;
  }

  static ApiException badRequest(String message) {
    return new ApiException(HttpStatus.BAD_REQUEST, message);
  }

  HttpStatus status() {
    return status;
  }
}
