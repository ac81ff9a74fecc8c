package io.memreason.reasoning;

import io.memreason.llm.adapter.StepTokenVocabulary;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The learned step tokens of a checkpoint: {@code P} general prefix tokens that open every step and {@code S}
 * tokens for each step kind, with the strings the tokenizer adds and the group strings the templates write.
 *
 * <p>Token strings in id order: {@code <prefix_0>..<prefix_{P-1}>, <answer_0>.., <assignment_0>.., <reason_0>..,
 * <memory_0>..}. A group string puts one space before every token of the group, e.g. {@code PREFIX =
 * " <prefix_0> <prefix_1>"}. Older reference checkpoints name the memory group {@code <rag_i>}.
 *
 * @param prefixTokens P, the number of general prefix tokens
 * @param tokensPerKind S, the number of tokens of each kind group
 * @param memoryName {@code memory}, or {@code rag} for the older reference checkpoints
 */
public record StepTokens(int prefixTokens, int tokensPerKind, String memoryName) {

  /** The memory group's current name. */
  public static final String MEMORY = "memory";
  /** The memory group's name in reference checkpoints written before November 2024. */
  public static final String LEGACY_MEMORY = "rag";

  public StepTokens {
    if (prefixTokens < 1 || tokensPerKind < 1) {
      throw new IllegalArgumentException("step tokens need at least one prefix token and one token per kind, got P="
          + prefixTokens + " S=" + tokensPerKind);
    }
    if (!MEMORY.equals(memoryName) && !LEGACY_MEMORY.equals(memoryName)) {
      throw new IllegalArgumentException("the memory group is named '" + MEMORY + "' or '" + LEGACY_MEMORY
          + "', not '" + memoryName + "'");
    }
  }

  /** The current layout: P prefix tokens, S tokens per kind, memory tokens named {@code <memory_i>}. */
  public static StepTokens of(int prefixTokens, int tokensPerKind) {
    return new StepTokens(prefixTokens, tokensPerKind, MEMORY);
  }

  /**
   * Recovers P and S from the token strings in id order (as a checkpoint stores them).
   *
   * @throws IllegalArgumentException if the list is not exactly the layout of some P and S
   */
  public static StepTokens fromTokens(List<String> tokens) {
    int prefixes = (int) tokens.stream().filter(t -> t.startsWith("<prefix_")).count();
    int perKind = (int) tokens.stream().filter(t -> t.startsWith("<answer_")).count();
    String memoryName = tokens.stream().anyMatch(t -> t.startsWith("<" + LEGACY_MEMORY + "_")) ? LEGACY_MEMORY : MEMORY;
    StepTokens layout;
    try {
      layout = new StepTokens(prefixes, perKind, memoryName);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a step-token list: " + tokens + " (" + e.getMessage() + ")");
    }
    if (!layout.tokens().equals(tokens)) {
      throw new IllegalArgumentException("step tokens " + tokens + " are not in the expected order " + layout.tokens());
    }
    return layout;
  }

  /** All token strings, in id order (a token's id is the base model's embedding rows plus its position here). */
  public List<String> tokens() {
    List<String> all = new ArrayList<>(count());
    all.addAll(names("prefix", prefixTokens));
    for (String group : List.of("answer", "assignment", "reason", memoryName)) {
      all.addAll(names(group, tokensPerKind));
    }
    return all;
  }

  /** The layout as the runtime reads and writes it beside the step-token weights. */
  public StepTokenVocabulary vocabulary() {
    return new StepTokenVocabulary(prefixTokens, tokensPerKind, tokens());
  }

  /** How many tokens the layout adds: P + 4S. */
  public int count() {
    return prefixTokens + 4 * tokensPerKind;
  }

  /** The group that opens every step, e.g. {@code " <prefix_0> <prefix_1> <prefix_2>"}. */
  public String prefix() {
    return groupString("prefix", prefixTokens);
  }

  /** The group that says which kind of step follows, e.g. {@code " <memory_0> <memory_1> <memory_2> <memory_3>"}. */
  public String group(StepKind kind) {
    String name = switch (kind) {
      case MEMORY -> memoryName;
      case REASON -> "reason";
      case ASSIGNMENT -> "assignment";
      case ANSWER -> "answer";
    };
    return groupString(name, tokensPerKind);
  }

  private static String groupString(String name, int n) {
    return names(name, n).stream().map(t -> " " + t).collect(Collectors.joining());
  }

  private static List<String> names(String name, int n) {
    List<String> names = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      names.add("<" + name + "_" + i + ">");
    }
    return names;
  }
}
