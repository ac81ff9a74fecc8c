package io.memreason.llm.generate;

import io.memreason.llm.ModelAdapter;
import io.memreason.llm.tokenizer.TextTokenizer;
import java.util.Optional;

/**
 * One sequence to continue.
 *
 * @param id unique among the generator's live requests; {@link Generator#cancel} takes it
 * @param prompt token ids, BOS included when the model wants one
 * @param maxNewTokens generated tokens after which the sequence stops (the EOS token counts)
 * @param adapter the model version to run on, over the generator's base; empty: the base model as loaded
 */
public record GenerationRequest(String id, int[] prompt, SamplingParams sampling, int maxNewTokens,
                                Optional<ModelAdapter> adapter) {

  /** A request on the model as loaded. */
  public GenerationRequest(String id, int[] prompt, SamplingParams sampling, int maxNewTokens) {
    this(id, prompt, sampling, maxNewTokens, Optional.empty());
  }

  public GenerationRequest {
    if (id == null || id.isEmpty()) {
      throw new IllegalArgumentException("a generation request needs an id");
    }
    if (prompt.length == 0) {
      throw new IllegalArgumentException("request " + id + " has an empty prompt");
    }
    if (maxNewTokens < 1) {
      throw new IllegalArgumentException("request " + id + ": max new tokens must be >= 1, not " + maxNewTokens);
    }
    prompt = prompt.clone();
    adapter = adapter == null ? Optional.empty() : adapter;
  }

  /** The same request on the version {@code version}. */
  public GenerationRequest on(ModelAdapter version) {
    return new GenerationRequest(id, prompt, sampling, maxNewTokens, Optional.of(version));
  }

  /** A request for a text prompt, encoded with BOS. */
  public static GenerationRequest ofText(String id, String prompt, TextTokenizer tokenizer, SamplingParams sampling,
                                         int maxNewTokens) {
    return new GenerationRequest(id, tokenizer.encode(prompt), sampling, maxNewTokens);
  }

  @Override
  public int[] prompt() {
    return prompt.clone();
  }
}
