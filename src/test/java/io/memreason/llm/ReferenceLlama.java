package io.memreason.llm;

import io.memreason.llm.model.LlamaConfig;
import java.util.Map;
import java.util.function.Function;

/**
 * A deliberately naive Llama forward pass in double precision, written from transformers' LlamaForCausalLM
 * (eager attention) without any of the runtime's tricks: the independent reference for configurations the
 * golden fixtures do not cover (MQA, tied embeddings, llama3 rope scaling, LoRA on every projection, Qwen2's
 * biases, which it adds wherever the checkpoint has a {@code .bias} tensor).
 */
public final class ReferenceLlama {
  private final LlamaConfig c;
  private final Function<String, float[]> tensor;

  /** @param tensor the value of each Hugging Face tensor (row-major), LoRA already merged in if any */
  public ReferenceLlama(LlamaConfig config, Function<String, float[]> tensor) {
    this.c = config;
    this.tensor = tensor;
  }

  public static ReferenceLlama of(LlamaConfig config, Map<String, float[]> tensors) {
    return new ReferenceLlama(config, tensors::get);
  }

  /** Logits [T][V] of one unpadded sequence (positions 0..T-1). */
  public double[][] logits(int[] ids) {
    int h = c.hiddenSize();
    int hd = c.headDim();
    int t = ids.length;
    float[] embed = tensor.apply("model.embed_tokens.weight");
    int vocab = embed.length / h;
    double[][] x = new double[t][h];
    for (int p = 0; p < t; p++) {
      for (int i = 0; i < h; i++) {
        x[p][i] = embed[ids[p] * h + i];
      }
    }
    double[] invFreq = inverseFrequencies();
    for (int l = 0; l < c.layers(); l++) {
      String pre = "model.layers." + l + ".";
      double[][] n = rmsNorm(x, tensor.apply(pre + "input_layernorm.weight"));
      double[][] q = linear(n, pre + "self_attn.q_proj", c.heads() * hd);
      double[][] k = linear(n, pre + "self_attn.k_proj", c.kvHeads() * hd);
      double[][] v = linear(n, pre + "self_attn.v_proj", c.kvHeads() * hd);
      rope(q, c.heads(), invFreq);
      rope(k, c.kvHeads(), invFreq);
      double[][] attn = new double[t][c.heads() * hd];
      int group = c.heads() / c.kvHeads();
      for (int head = 0; head < c.heads(); head++) {
        int kvHead = head / group;
        for (int i = 0; i < t; i++) {
          double[] scores = new double[i + 1];
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j <= i; j++) {
            double s = 0;
            for (int d = 0; d < hd; d++) {
              s += q[i][head * hd + d] * k[j][kvHead * hd + d];
            }
            scores[j] = s / Math.sqrt(hd);
            max = Math.max(max, scores[j]);
          }
          double sum = 0;
          for (int j = 0; j <= i; j++) {
            scores[j] = Math.exp(scores[j] - max);
            sum += scores[j];
          }
          for (int j = 0; j <= i; j++) {
            for (int d = 0; d < hd; d++) {
              attn[i][head * hd + d] += scores[j] / sum * v[j][kvHead * hd + d];
            }
          }
        }
      }
      add(x, linear(attn, pre + "self_attn.o_proj", h));
      double[][] m = rmsNorm(x, tensor.apply(pre + "post_attention_layernorm.weight"));
      double[][] gate = linear(m, pre + "mlp.gate_proj", c.intermediateSize());
      double[][] up = linear(m, pre + "mlp.up_proj", c.intermediateSize());
      for (int p = 0; p < t; p++) {
        for (int i = 0; i < gate[p].length; i++) {
          double g = gate[p][i];
          gate[p][i] = g / (1 + Math.exp(-g)) * up[p][i];
        }
      }
      add(x, linear(gate, pre + "mlp.down_proj", h));
    }
    double[][] out = rmsNorm(x, tensor.apply("model.norm.weight"));
    float[] head = c.tieWordEmbeddings() ? embed : tensor.apply("lm_head.weight");
    return linear(out, head, vocab);
  }

  /** transformers' default inverse frequencies, then its llama3 rule when configured. */
  double[] inverseFrequencies() {
    int hd = c.headDim();
    double[] inv = new double[hd / 2];
    for (int j = 0; j < hd / 2; j++) {
      inv[j] = 1.0 / Math.pow(c.ropeTheta(), (2.0 * j) / hd);
    }
    c.ropeScaling().ifPresent(s -> {
      double lowWavelen = s.originalMaxPositionEmbeddings() / s.lowFreqFactor();
      double highWavelen = s.originalMaxPositionEmbeddings() / s.highFreqFactor();
      for (int j = 0; j < inv.length; j++) {
        double wavelen = 2 * Math.PI / inv[j];
        double scaled = wavelen > lowWavelen ? inv[j] / s.factor() : inv[j];
        double smooth = (s.originalMaxPositionEmbeddings() / wavelen - s.lowFreqFactor())
            / (s.highFreqFactor() - s.lowFreqFactor());
        double smoothed = (1 - smooth) * scaled / s.factor() + smooth * scaled;
        boolean medium = !(wavelen < highWavelen) && !(wavelen > lowWavelen);
        inv[j] = medium ? smoothed : scaled;
      }
    });
    return inv;
  }

  private void rope(double[][] x, int heads, double[] invFreq) {
    int hd = c.headDim();
    int half = hd / 2;
    for (int p = 0; p < x.length; p++) {
      for (int head = 0; head < heads; head++) {
        int o = head * hd;
        double[] rotated = new double[hd];
        for (int j = 0; j < hd; j++) {
          double angle = p * invFreq[j % half];
          double rotateHalf = j < half ? -x[p][o + j + half] : x[p][o + j - half];
          rotated[j] = x[p][o + j] * Math.cos(angle) + rotateHalf * Math.sin(angle);
        }
        System.arraycopy(rotated, 0, x[p], o, hd);
      }
    }
  }

  private double[][] rmsNorm(double[][] x, float[] w) {
    double[][] out = new double[x.length][x[0].length];
    for (int p = 0; p < x.length; p++) {
      double ms = 0;
      for (double v : x[p]) {
        ms += v * v;
      }
      double r = 1 / Math.sqrt(ms / x[p].length + c.rmsNormEps());
      for (int i = 0; i < x[p].length; i++) {
        out[p][i] = w[i] * (x[p][i] * r);
      }
    }
    return out;
  }

  /** A projection of the model: its weight, plus its bias when the checkpoint has one (Qwen2's q/k/v). */
  private double[][] linear(double[][] x, String module, int out) {
    double[][] y = linear(x, tensor.apply(module + ".weight"), out);
    float[] bias = tensor.apply(module + ".bias");
    if (bias != null) {
      for (double[] row : y) {
        for (int o = 0; o < out; o++) {
          row[o] += bias[o];
        }
      }
    }
    return y;
  }

  /** x [T][in] · Wᵀ with W [out][in] row-major. */
  private static double[][] linear(double[][] x, float[] w, int out) {
    int in = x[0].length;
    double[][] y = new double[x.length][out];
    for (int p = 0; p < x.length; p++) {
      for (int o = 0; o < out; o++) {
        double s = 0;
        for (int i = 0; i < in; i++) {
          s += x[p][i] * w[o * in + i];
        }
        y[p][o] = s;
      }
    }
    return y;
  }

  private static void add(double[][] x, double[][] y) {
    for (int p = 0; p < x.length; p++) {
      for (int i = 0; i < x[p].length; i++) {
        x[p][i] += y[p][i];
      }
    }
  }
}
