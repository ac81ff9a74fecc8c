package io.memreason.llm.generate;

import io.memreason.llm.tokenizer.TextTokenizer;

/**
 * One sequence to continue.
 *
 * @param id unique among the generator's live requests; {@link Generator#cancel} takes it
 * @param prompt token ids, BOS included when the model wants one
 * @param maxNewTokens generated tokens after which the sequence stops (the EOS token counts)
 */
public record GenerationRequest(String id, int[] prompt, SamplingParams sampling, int maxNewTokens) {

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
