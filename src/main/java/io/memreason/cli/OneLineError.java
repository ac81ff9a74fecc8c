package io.memreason.cli;

import java.io.FileNotFoundException;
import java.nio.file.NoSuchFileException;

/** Turns any failure into one line a user can act on. */
final class OneLineError {
  private OneLineError() {}

  static String describe(Throwable e) {
    Throwable t = e;
    while ((t.getMessage() == null || t.getMessage().isBlank()) && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof NoSuchFileException || t instanceof FileNotFoundException) {
      return "file not found: " + t.getMessage();
    }
    String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    return message.lines().findFirst().orElse(message);
  }
}
