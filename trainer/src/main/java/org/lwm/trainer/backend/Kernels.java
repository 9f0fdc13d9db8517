package org.lwm.trainer.backend;

import org.lwm.core.numeric.Simd;

/**
 * The model's elementwise layers as forward/backward pairs (llm.c style): T positions, D = hidden size,
 * I = intermediate size, H heads of hd. Every backward mirrors its forward and quotes what it differentiates.
 * The matmuls around them go through {@link org.lwm.core.numeric.Gemm}; {@link CpuBackend} puts both behind {@link Backend}.
 */
final class Kernels {
  private Kernels() {}

  /** Rows up to this many take {@link #linearFewRows}: one decoding step's product, where copying W costs more than it. */
  static final int FEW_ROWS = 4;

  /**
   * y[r, out] (+)= x[r, in] · W[out, in]ᵀ for a few rows, straight from the arrays ({@link Simd#gemv}): memory-bound
   * on W, which is what decoding one token is; OpenBLAS would first need W copied into its buffers.
   */
  static void linearFewRows(float[] x, int xOff, float[] w, float[] y, int yOff, int rows, int in, int out, boolean accumulate) {
    for (int r = 0; r < rows; r++) Simd.gemv(x, xOff + r * in, w, in, out, y, yOff + r * out, accumulate);
  }

  /**
   * RMSNorm (HF LlamaRMSNorm): out = w ∘ x · r with r = 1/√(mean(x²) + eps), per position; stores r[T] for
   * the backward.
   */
  public static void rmsnormForward(float[] x, float[] w, float[] out, float[] rstd, int t, int d, double eps) {
    for (int p = 0; p < t; p++) {
      int o = p * d;
      double ss = 0;
      for (int i = 0; i < d; i++) ss += x[o + i] * x[o + i];
      float r = (float) (1.0 / Math.sqrt(ss / d + eps));
      rstd[p] = r;
      for (int i = 0; i < d; i++) out[o + i] = w[i] * (x[o + i] * r);
    }
  }

  /**
   * Backward of RMSNorm. Forward: y_i = w_i x_i r, r = (Σx²/D + eps)^-½. So
   * dw_i += dy_i x_i r and dx_i += r·(w_i dy_i) − r³/D · x_i · Σ_j (w_j dy_j x_j).
   */
  public static void rmsnormBackward(float[] x, float[] w, float[] rstd, float[] dy, float[] dx, float[] dw, int t, int d) {
    for (int p = 0; p < t; p++) {
      int o = p * d;
      float r = rstd[p];
      double dot = 0;
      for (int i = 0; i < d; i++) {
        float g = w[i] * dy[o + i];
        dot += g * x[o + i];
        dw[i] += dy[o + i] * x[o + i] * r;
      }
      float c = (float) (dot * r * r * r / d);
      for (int i = 0; i < d; i++) dx[o + i] += r * w[i] * dy[o + i] - c * x[o + i];
    }
  }

  /**
   * Hugging Face rotate-half RoPE on [T, heads·hd] in place: for i &lt; hd/2, angle = pos·θ^(−2i/hd),
   * (a, b) = (x_i, x_{i+hd/2}) becomes (a·cos − b·sin, b·cos + a·sin). {@code inverse} rotates by −angle,
   * which is the backward (the rotation is orthogonal).
   */
  public static void rope(float[] x, int[] positions, int t, int heads, int hd, double theta, boolean inverse) {
    int half = hd / 2;
    float[] cos = new float[half], sin = new float[half];
    double[] invFreq = new double[half];
    for (int i = 0; i < half; i++) invFreq[i] = 1.0 / Math.pow(theta, (2.0 * i) / hd);
    for (int p = 0; p < t; p++) {
      for (int i = 0; i < half; i++) {
        // HF computes inv_freq and the angle in float32; float64 here differs by ≤ 1 ulp of the angle
        double a = positions[p] * invFreq[i];
        cos[i] = (float) Math.cos(a);
        sin[i] = (float) (inverse ? -Math.sin(a) : Math.sin(a));
      }
      int row = p * heads * hd;
      for (int h = 0; h < heads; h++) {
        int o = row + h * hd;
        for (int i = 0; i < half; i++) {
          float a = x[o + i], b = x[o + i + half];
          x[o + i] = a * cos[i] - b * sin[i];
          x[o + i + half] = b * cos[i] + a * sin[i];
        }
      }
    }
  }

  /** SwiGLU: h = silu(g) ∘ u, silu(g) = g·σ(g). */
  public static void swigluForward(float[] g, float[] u, float[] h, int n) {
    for (int i = 0; i < n; i++) {
      float s = (float) (1.0 / (1.0 + Math.exp(-g[i])));
      h[i] = g[i] * s * u[i];
    }
  }

  /**
   * Backward of SwiGLU. Forward: h = g σ(g) u. So du = dh · g σ(g) and
   * dg = dh · u · σ(g)(1 + g(1 − σ(g))). Writes dg and du (not accumulated).
   */
  public static void swigluBackward(float[] g, float[] u, float[] dh, float[] dg, float[] du, int n) {
    for (int i = 0; i < n; i++) {
      float s = (float) (1.0 / (1.0 + Math.exp(-g[i])));
      float silu = g[i] * s;
      du[i] = dh[i] * silu;
      dg[i] = dh[i] * u[i] * s * (1f + g[i] * (1f - s));
    }
  }

  /**
   * Cross-entropy over one row of logits [V] with coefficient c (the position's share of the loss):
   * returns CE = logsumexp(z) − z_target and overwrites z with dL/dz = c·(softmax(z) − onehot(target)).
   */
  public static double crossEntropyInPlace(float[] z, int off, int v, int target, float c) {
    float max = Simd.max(z, off, v);
    float zt = z[off + target];
    double sum = Simd.expShifted(z, off, v, max);
    double ce = max + Math.log(sum) - zt;
    float inv = (float) (c / sum);
    for (int i = 0; i < v; i++) z[off + i] *= inv;
    z[off + target] -= c;
    return ce;
  }
}
