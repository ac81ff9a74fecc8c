package io.memreason.cli;

import io.memreason.llm.random.ModelShape;
import java.util.Iterator;

/** The names of the random-model shapes ({@code --shape}), for picocli's completion and help. */
final class ModelShapeNames implements Iterable<String> {
  @Override
  public Iterator<String> iterator() {
    return ModelShape.names().iterator();
  }
}
