package io.memreason.interop;

import io.memreason.interop.torch.TorchFile;
import io.memreason.interop.torch.TorchModule;
import io.memreason.interop.torch.TorchTensor;
import io.memreason.llm.CheckpointException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * The step tokens' rows of a reference checkpoint as its eval.py ends up with them: the pickled modules
 * {@code input_embeddings.pt} ({@code nn.Embedding}) and {@code output_embeddings.pt} ({@code nn.Linear} with its
 * bias), unless PEFT also saved the embedding layers into the adapter file, which {@code PeftModel.from_pretrained}
 * loads last and which therefore win.
 *
 * @param in [n, hidden] input rows
 * @param out [n, hidden] output rows
 * @param bias [n] the output rows' bias (zero for a Linear saved without one)
 * @param fromAdapter whether the adapter file held them
 */
record StepTokenRows(float[] in, float[] out, float[] bias, boolean fromAdapter) {
  private static final String NEW_IN = "base_model.model.model.embed_tokens.new_embedding.weight";
  private static final String NEW_OUT = "base_model.model.lm_head.new_linear.weight";
  private static final String NEW_BIAS = "base_model.model.lm_head.new_linear.bias";

  static StepTokenRows read(ReferenceCheckpoint checkpoint, AdapterTensors adapter, int n, int hidden) {
    if (adapter.names().contains(NEW_IN) && adapter.names().contains(NEW_OUT)) {
      float[] bias = adapter.names().contains(NEW_BIAS) ? adapterTensor(adapter, NEW_BIAS, n) : new float[n];
      return new StepTokenRows(adapterTensor(adapter, NEW_IN, n, hidden), adapterTensor(adapter, NEW_OUT, n, hidden),
          bias, true);
    }
    Path input = checkpoint.inputEmbeddings().orElseThrow(() -> missing(checkpoint, ReferenceCheckpoint.INPUT_EMBEDDINGS));
    Path output = checkpoint.outputEmbeddings().orElseThrow(() -> missing(checkpoint,
        ReferenceCheckpoint.OUTPUT_EMBEDDINGS));
    float[] in;
    try (TorchFile torch = TorchFile.open(input)) {
      in = parameter(torch, "Embedding", "weight", n, hidden).orElseThrow(() -> new CheckpointException(input
          + ": the Embedding has no weight"));
    }
    try (TorchFile torch = TorchFile.open(output)) {
      float[] out = parameter(torch, "Linear", "weight", n, hidden).orElseThrow(() -> new CheckpointException(output
          + ": the Linear has no weight"));
      return new StepTokenRows(in, out, parameter(torch, "Linear", "bias", n).orElse(new float[n]), false);
    }
  }

  private static CheckpointException missing(ReferenceCheckpoint checkpoint, String file) {
    return new CheckpointException(checkpoint.dir() + " has no " + file + " and its adapter file holds no step-token "
        + "layers: the step tokens' rows are missing");
  }

  private static float[] adapterTensor(AdapterTensors adapter, String name, long... shape) {
    expectShape(adapter.file(), name, adapter.shape(name), shape);
    return adapter.floats(name);
  }

  private static Optional<float[]> parameter(TorchFile torch, String moduleClass, String name, long... shape) {
    TorchModule module = torch.module();
    if (!module.simpleName().equals(moduleClass)) {
      throw new CheckpointException(torch.path() + " holds a " + module.className() + ", expected an nn." + moduleClass);
    }
    Optional<TorchTensor> t = module.parameter(name);
    t.ifPresent(tensor -> expectShape(torch.path(), name, tensor.shape(), shape));
    return t.map(torch::floats);
  }

  private static void expectShape(Path file, String name, long[] shape, long... expected) {
    if (!Arrays.equals(shape, expected)) {
      throw new CheckpointException(file + ": " + name + " has shape " + Arrays.toString(shape) + ", expected "
          + Arrays.toString(expected) + " (one row per step token of the token groups)");
    }
  }
}
