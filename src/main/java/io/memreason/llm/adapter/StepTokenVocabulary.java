package io.memreason.llm.adapter;

import java.util.HashSet;
import java.util.List;

/**
 * Which step tokens a model has: {@code P} general prefix tokens and {@code S} tokens for each of the four step
 * kinds, as strings in id order (method.md: prefix, answer, assignment, reason, memory).
 */
public record StepTokenVocabulary(int prefixTokens, int tokensPerKind, List<String> tokens) {
  public static final List<String> KINDS = List.of("answer", "assignment", "reason", "memory");

  public StepTokenVocabulary {
    tokens = List.copyOf(tokens);
    if (prefixTokens < 0 || tokensPerKind < 0 || tokens.size() != prefixTokens + KINDS.size() * tokensPerKind) {
      throw new IllegalArgumentException(tokens.size() + " step tokens for P=" + prefixTokens + ", S=" + tokensPerKind
          + "; expected P + 4S");
    }
    if (new HashSet<>(tokens).size() != tokens.size() || tokens.stream().anyMatch(String::isEmpty)) {
      throw new IllegalArgumentException("step token strings must be distinct and non-empty: " + tokens);
    }
  }
}
