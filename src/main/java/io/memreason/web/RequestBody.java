package io.memreason.web;

import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A JSON request body, read only up to {@code web.max-body-bytes}: a larger one is refused with 413 as soon as it is
 * known to be larger (from its Content-Length, or once that many bytes arrived without one), never buffered whole.
 */
final class RequestBody {
  private RequestBody() {}

  /**
   * The body as text. A cross-site form cannot send {@code application/json} without the browser asking first, so
   * insisting on it keeps other sites from asking or labelling in a visitor's name.
   */
  static String json(Context ctx, int maxBytes) {
    String type = ctx.contentType();
    if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
      throw new ApiException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "send the body as JSON with Content-Type: application/json");
    }
    if (ctx.req().getContentLengthLong() > maxBytes) {
      throw tooLarge(maxBytes);
    }
    try (InputStream in = ctx.req().getInputStream()) {
      byte[] body = in.readNBytes(maxBytes + 1);
      if (body.length > maxBytes) {
        throw tooLarge(maxBytes);
      }
      return new String(body, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the request body", e);
    }
  }

  static ApiException tooLarge(int maxBytes) {
    return new ApiException(HttpStatus.CONTENT_TOO_LARGE, "the body is larger than " + maxBytes
        + " bytes (web.max-body-bytes)");
  }
}
