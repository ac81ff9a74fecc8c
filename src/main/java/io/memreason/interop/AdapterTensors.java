package io.memreason.interop;

import io.memreason.interop.torch.TorchFile;
import io.memreason.interop.torch.TorchTensor;
import io.memreason.llm.CheckpointException;
import io.memreason.llm.safetensors.SafetensorsCheckpoint;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * The tensors of a PEFT adapter file in either format PEFT writes: {@code adapter_model.safetensors}, or the
 * {@code torch.save} state dict {@code adapter_model.bin} (read with the allow-listed pickle reader).
 */
interface AdapterTensors extends AutoCloseable {

  Path file();

  /** Tensor names in the file's order. */
  Set<String> names();

  long[] shape(String name);

  /** Elements {@code [from, from + count)} in row-major order, widened to float32. */
  float[] floats(String name, long from, int count);

  /** The whole tensor, widened to float32. */
  default float[] floats(String name) {
    long count = 1;
    for (long d : shape(name)) {
      count *= d;
    }
    if (count > Integer.MAX_VALUE - 8) {
      throw new CheckpointException(file() + ": tensor '" + name + "' is too large to read at once");
    }
    return floats(name, 0, (int) count);
  }

  @Override
  void close();

  static AdapterTensors open(Path file) {
    return file.getFileName().toString().endsWith(".safetensors") ? safetensors(file) : torch(file);
  }

  private static AdapterTensors safetensors(Path file) {
    SafetensorsCheckpoint tensors = SafetensorsCheckpoint.openFile(file);
    return new AdapterTensors() {
      @Override
      public Path file() {
        return file;
      }

      @Override
      public Set<String> names() {
        return tensors.names();
      }

      @Override
      public long[] shape(String name) {
        return tensors.shape(name);
      }

      @Override
      public float[] floats(String name, long from, int count) {
        return tensors.floats(name, from, count);
      }

      @Override
      public void close() {
        tensors.close();
      }
    };
  }

  private static AdapterTensors torch(Path file) {
    TorchFile torch = TorchFile.open(file);
    Map<String, TorchTensor> tensors;
    try {
      tensors = torch.stateDict();
    } catch (RuntimeException e) {
      torch.close();
      throw e;
    }
    return new AdapterTensors() {
      @Override
      public Path file() {
        return file;
      }

      @Override
      public Set<String> names() {
        return tensors.keySet();
      }

      @Override
      public long[] shape(String name) {
        return tensor(name).shape();
      }

      @Override
      public float[] floats(String name, long from, int count) {
        TorchTensor t = tensor(name);
        long[] shape = t.shape();
        if (from == 0 && count == t.elementCount()) {
          return torch.floats(t);
        }
        long rowLength = shape.length == 2 ? shape[1] : 0;
        if (rowLength == 0 || from % rowLength != 0 || count % rowLength != 0) {
          throw new IllegalArgumentException("elements [" + from + ", " + (from + count) + ") of " + name
              + " are not whole rows");
        }
        return torch.rows(t, from / rowLength, (int) (count / rowLength));
      }

      private TorchTensor tensor(String name) {
        TorchTensor t = tensors.get(name);
        if (t == null) {
          throw new CheckpointException(file + " has no tensor '" + name + "'");
        }
        return t;
      }

      @Override
      public void close() {
        torch.close();
      }
    };
  }
}
