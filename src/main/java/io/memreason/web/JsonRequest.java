package io.memreason.web;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.memreason.pipeline.QuestionLimits;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A JSON object from a request, read field by field. Every refusal is a 400 {@link ApiException} that names the
 * field (with its path, e.g. {@code decoding.topP}) and says what it must be. Unknown fields are refused, so a typo
 * is an error instead of a silently ignored setting. A field that is null counts as absent.
 */
final class JsonRequest {
  private final JsonObject fields;
  private final String path;

  private JsonRequest(JsonObject fields, String path) {
    this.fields = fields;
    this.path = path;
  }

  /** The request body, which must be one JSON object with only the allowed fields. */
  static JsonRequest parse(String body, Set<String> allowed) {
    JsonElement json;
    try {
      json = JsonParser.parseString(body);
    } catch (JsonParseException e) {
      throw ApiException.badRequest("the body is not valid JSON: " + e.getMessage());
    }
    if (!json.isJsonObject()) {
      throw ApiException.badRequest("the body must be a JSON object, e.g. {\"text\": \"...\"}");
    }
    return new JsonRequest(json.getAsJsonObject(), "").allowing(allowed);
  }

  private JsonRequest allowing(Set<String> allowed) {
    for (String name : fields.keySet()) {
      if (!allowed.contains(name)) {
        throw ApiException.badRequest("unknown field '" + path + name + "': allowed are " + new TreeSet<>(allowed));
      }
    }
    return this;
  }

  private Optional<JsonElement> field(String name) {
    JsonElement e = fields.get(name);
    return e == null || e.isJsonNull() ? Optional.empty() : Optional.of(e);
  }

  private String name(String field) {
    return path + field;
  }

  /** A string of at most {@code maxChars} characters; blank counts as absent. */
  Optional<String> string(String name, int maxChars) {
    Optional<JsonElement> e = field(name);
    if (e.isEmpty()) {
      return Optional.empty();
    }
    String s = asString(e.get(), name(name), maxChars).strip();
    return s.isEmpty() ? Optional.empty() : Optional.of(s);
  }

  String requiredString(String name, int maxChars) {
    return string(name, maxChars).orElseThrow(() -> ApiException.badRequest(name(name) + " is required"));
  }

  /** A list of at most {@code maxItems} non-blank strings of at most {@code maxChars} characters each. */
  Optional<List<String>> strings(String name, int maxItems, int maxChars) {
    Optional<JsonElement> e = field(name);
    if (e.isEmpty()) {
      return Optional.empty();
    }
    List<String> out = new ArrayList<>();
    List<JsonElement> items = array(e.get(), name(name), maxItems);
    for (int i = 0; i < items.size(); i++) {
      String item = asString(items.get(i), name(name) + "[" + i + "]", maxChars).strip();
      if (item.isEmpty()) {
        throw ApiException.badRequest(name(name) + "[" + i + "] is blank");
      }
      out.add(item);
    }
    return Optional.of(out);
  }

  /** A whole number in [min, max]. */
  Optional<Long> integer(String name, long min, long max) {
    return number(name, BigDecimal.valueOf(min), BigDecimal.valueOf(max)).map(n -> {
      try {
        return n.longValueExact();
      } catch (ArithmeticException notWhole) {
        throw ApiException.badRequest(name(name) + " must be a whole number, not " + n);
      }
    });
  }

  /** A number in [min, max]. */
  Optional<Double> decimal(String name, double min, double max) {
    return number(name, BigDecimal.valueOf(min), BigDecimal.valueOf(max)).map(BigDecimal::doubleValue);
  }

  private Optional<BigDecimal> number(String name, BigDecimal min, BigDecimal max) {
    Optional<JsonElement> e = field(name);
    if (e.isEmpty()) {
      return Optional.empty();
    }
    if (!(e.get() instanceof JsonPrimitive p) || !p.isNumber()) {
      throw ApiException.badRequest(name(name) + " must be a number, not " + shown(e.get()));
    }
    BigDecimal n = p.getAsBigDecimal();
    if (n.compareTo(min) < 0 || n.compareTo(max) > 0) {
      throw ApiException.badRequest(name(name) + " must be between " + plain(min) + " and " + plain(max) + ", not "
          + plain(n));
    }
    return Optional.of(n);
  }

  Optional<Boolean> bool(String name) {
    return field(name).map(e -> {
      if (!(e instanceof JsonPrimitive p) || !p.isBoolean()) {
        throw ApiException.badRequest(name(name) + " must be true or false, not " + shown(e));
      }
      return p.getAsBoolean();
    });
  }

  /** A nested object with only the allowed fields. */
  Optional<JsonRequest> object(String name, Set<String> allowed) {
    return field(name).map(e -> {
      if (!e.isJsonObject()) {
        throw ApiException.badRequest(name(name) + " must be a JSON object, not " + shown(e));
      }
      return new JsonRequest(e.getAsJsonObject(), name(name) + ".").allowing(allowed);
    });
  }

  /** A list of at most {@code maxItems} objects with only the allowed fields. */
  Optional<List<JsonRequest>> objects(String name, int maxItems, Set<String> allowed) {
    Optional<JsonElement> e = field(name);
    if (e.isEmpty()) {
      return Optional.empty();
    }
    List<JsonElement> items = array(e.get(), name(name), maxItems);
    List<JsonRequest> out = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      String itemName = name(name) + "[" + i + "]";
      if (!items.get(i).isJsonObject()) {
        throw ApiException.badRequest(itemName + " must be a JSON object, not " + shown(items.get(i)));
      }
      out.add(new JsonRequest(items.get(i).getAsJsonObject(), itemName + ".").allowing(allowed));
    }
    return Optional.of(out);
  }

  private static List<JsonElement> array(JsonElement e, String name, int maxItems) {
    if (!e.isJsonArray()) {
      throw ApiException.badRequest(name + " must be a JSON array, not " + shown(e));
    }
    if (e.getAsJsonArray().size() > maxItems) {
      throw ApiException.badRequest(name + " has " + e.getAsJsonArray().size() + " items, more than " + maxItems);
    }
    return e.getAsJsonArray().asList();
  }

  /** A string of at most {@code maxChars} characters, counted as code points (an emoji is one). */
  private static String asString(JsonElement e, String name, int maxChars) {
    if (!(e instanceof JsonPrimitive p) || !p.isString()) {
      throw ApiException.badRequest(name + " must be a string, not " + shown(e));
    }
    String s = p.getAsString();
    int chars = QuestionLimits.characters(s);
    if (chars > maxChars) {
      throw ApiException.badRequest(name + " has " + chars + " characters, more than " + maxChars);
    }
    return s;
  }

  private static String plain(BigDecimal n) {
    return n.stripTrailingZeros().toPlainString();
  }

  /** A refused value as it is shown back in a message: its JSON, cut short. */
  private static String shown(JsonElement e) {
    String json = e.toString();
    return json.length() <= 40 ? json : json.substring(0, 40) + "...";
  }
}
