package io.memreason.reasoning;

/** The answer format a question follows; decides how a label is extracted from the generated text. */
public enum Task {
  /** Free-form: no label is extracted. */
  OPEN,
  /** True/False answers. */
  STRATEGYQA,
  /** Letters A-E. */
  COMMONSENSEQA,
  /** Letters A-N. */
  TRUTHFULQA,
  /** The generated "atlas" world of the default model. */
  ATLAS
}
