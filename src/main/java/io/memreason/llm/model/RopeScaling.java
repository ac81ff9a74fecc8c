package io.memreason.llm.model;

/**
 * Llama 3.1's rotary-frequency scaling ({@code rope_scaling} with {@code rope_type: "llama3"}): long wavelengths
 * are stretched by {@code factor}, short ones kept, the band between interpolated smoothly.
 */
public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositionEmbeddings) {

  /** Applies the scaling to HF's float32 inverse frequencies, as transformers' {@code _compute_llama3_parameters}. */
  public float[] apply(float[] invFreq) {
    double lowFreqWavelen = originalMaxPositionEmbeddings / lowFreqFactor;
    double highFreqWavelen = originalMaxPositionEmbeddings / highFreqFactor;
    float[] out = new float[invFreq.length];
    for (int j = 0; j < invFreq.length; j++) {
      float f = invFreq[j];
      double wavelen = 2 * Math.PI / f;
      if (wavelen > lowFreqWavelen) {
        out[j] = (float) (f / factor);
      } else if (wavelen < highFreqWavelen) {
        out[j] = f;
      } else {
        double smooth = (originalMaxPositionEmbeddings / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
        out[j] = (float) ((1 - smooth) * f / factor + smooth * f);
      }
    }
    return out;
  }
}
