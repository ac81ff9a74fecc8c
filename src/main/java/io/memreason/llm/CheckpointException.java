package io.memreason.llm;

/**
 * A model, adapter or step-token folder that cannot be used as it is: a missing or malformed file, a tensor
 * whose name, type or shape is wrong, or a configuration memreason does not support. The message names the
 * file and, where there is one, the tensor or key.
 */
public class CheckpointException extends RuntimeException {
  public CheckpointException(String message) {
    super(message);
  }

  public CheckpointException(String message, Throwable cause) {
    super(message, cause);
  }
}
