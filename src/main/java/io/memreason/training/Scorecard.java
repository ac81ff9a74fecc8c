package io.memreason.training;

import com.google.gson.Gson;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * How a generations file scored.
 *
 * @param n items scored
 * @param correct items whose label equals the gold label
 * @param invalid items with no label at all (counted wrong)
 * @param verdictsDifferingFromReference items whose verdict differs from the one recorded in the file, when the
 *     file records verdicts
 */
public record Scorecard(int n, int correct, int invalid, OptionalInt verdictsDifferingFromReference) {

  /** correct / n. */
  public double accuracy() {
    return n == 0 ? 0 : correct / (double) n;
  }

  /** One JSON line: {@code {"n":686,"correct":485,"accuracy":0.707,"invalid":3,"verdicts_differing_from_reference":0}}. */
  public String toJson() {
    Map<String, Number> fields = new LinkedHashMap<>();
    fields.put("n", n);
    fields.put("correct", correct);
    fields.put("accuracy", Math.round(accuracy() * 10_000) / 10_000.0);
    fields.put("invalid", invalid);
    verdictsDifferingFromReference.ifPresent(d -> fields.put("verdicts_differing_from_reference", d));
    return new Gson().toJson(fields);
  }
}
