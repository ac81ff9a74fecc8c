package io.memreason.llm;

import io.memreason.llm.LanguageModel.LoadOptions;
import io.memreason.llm.model.LlamaConfig;
import io.memreason.llm.model.RopeScaling;
import io.memreason.llm.random.ModelShape;
import io.memreason.llm.random.RandomCheckpoint;
import io.memreason.llm.safetensors.Dtype;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Tiny random checkpoints written to disk for tests. */
public final class TinyModels {
  private TinyModels() {}

  /** The tiny shape with other attention/embedding options. */
  public static LlamaConfig tiny(int kvHeads, boolean tied, boolean llama3Scaling) {
    LlamaConfig t = ModelShape.TINY;
    return new LlamaConfig(t.vocabSize(), t.hiddenSize(), t.intermediateSize(), t.layers(), t.heads(), kvHeads,
        t.headDim(), t.rmsNormEps(), t.ropeTheta(),
        llama3Scaling ? Optional.of(new RopeScaling(8, 1, 4, 32)) : Optional.empty(),
        tied, t.bosTokenId(), List.of(2), t.maxPositionEmbeddings());
  }

  /**
   * Writes the standard tiny model (float32, one file) into {@code dir} and returns the folder. It has no EOS
   * token: a random model emits any token, so only a test that wants EOS declares one.
   */
  public static Path write(Path dir) {
    LlamaConfig t = ModelShape.TINY;
    RandomCheckpoint.write(dir, new LlamaConfig(t.vocabSize(), t.hiddenSize(), t.intermediateSize(), t.layers(),
        t.heads(), t.kvHeads(), t.headDim(), t.rmsNormEps(), t.ropeTheta(), t.ropeScaling(), t.tieWordEmbeddings(),
        t.bosTokenId(), List.of(), t.maxPositionEmbeddings()), 7, Dtype.F32);
    return dir;
  }

  public static LanguageModel load(Path dir, int maxSequenceLength) {
    return LanguageModel.load(dir, LoadOptions.cpu(maxSequenceLength));
  }
}
