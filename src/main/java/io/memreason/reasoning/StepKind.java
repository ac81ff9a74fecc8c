package io.memreason.reasoning;

/** What a step of a trace does, as announced by its step tokens. */
public enum StepKind {
  /** Recalls knowledge ({@code <memory_i>}, formerly {@code <rag_i>}). */
  MEMORY,
  /** Infers from what was recalled ({@code <reason_i>}). */
  REASON,
  /** A step written without a kind label ({@code <assignment_i>}). */
  ASSIGNMENT,
  /** The final answer ({@code <answer_i>}). */
  ANSWER
}
