package io.memreason.reasoning;

import java.util.List;

/**
 * A question to answer with a memory/reason trace.
 *
 * @param id unique id; {@link Reasoner#cancel} takes it
 * @param options multiple-choice options (lettered A, B, ...), empty when none
 */
public record ReasoningRequest(String id, String question, Task task, List<String> options, Decoding decoding) {}
