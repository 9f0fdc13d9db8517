package org.lwm.vqgan.model;

/**
 * Flax's {@code nn.GroupNorm()} as LWM uses it (32 groups, ε = 1e-6, per-channel scale and bias), optionally
 * followed by SiLU (x·σ(x)), which in LWM always comes right after it. Statistics over (height, width,
 * channels of the group) per image, accumulated in double; the biased variance E[x²] − E[x]².
 */
public final class GroupNorm {
  public static final int GROUPS = 32;
  public static final double EPSILON = 1e-6;

  private final float[] scale;
  private final float[] bias;
  private final int groups;

  public GroupNorm(float[] scale, float[] bias) {
    this(scale, bias, GROUPS);
  }

  public GroupNorm(float[] scale, float[] bias, int groups) {
    if (scale.length != bias.length) throw new IllegalArgumentException("GroupNorm scale and bias differ in size");
    if (scale.length % groups != 0) throw new IllegalArgumentException(scale.length + " channels do not split into " + groups + " groups");
    this.scale = scale.clone();
    this.bias = bias.clone();
    this.groups = groups;
  }

  /** A new normalised map (the input is kept: ResNet blocks add it back). */
  public FeatureMap forward(FeatureMap x, boolean silu) {
    int c = x.c;
    if (c != scale.length) throw new IllegalArgumentException("GroupNorm expects " + scale.length + " channels, got " + c);
    int hw = x.h * x.w;
    int cg = c / groups;
    // per image, per channel sums over chunks of pixels, then per group
    int chunks = Math.max(1, Math.min(hw / 256, 4 * Parallel.threads()));
    int chunk = (hw + chunks - 1) / chunks;
    double[][] sums = new double[x.n * chunks][];
    Parallel.forEach(x.n * chunks, t -> {
      int img = t / chunks;
      int from = (t % chunks) * chunk;
      int to = Math.min(hw, from + chunk);
      double[] s = new double[2 * c];
      float[] d = x.data;
      for (int p = from; p < to; p++) {
        int o = (img * hw + p) * c;
        for (int j = 0; j < c; j++) {
          double v = d[o + j];
          s[j] += v;
          s[c + j] += v * v;
        }
      }
      sums[t] = s;
    });
    float[] mean = new float[x.n * c]; // y = (x − mean)·mul + bias per image and channel
    float[] mul = new float[x.n * c];
    double count = (double) hw * cg;
    for (int img = 0; img < x.n; img++) {
      for (int g = 0; g < groups; g++) {
        double s1 = 0;
        double s2 = 0;
        for (int t = img * chunks; t < (img + 1) * chunks; t++) {
          if (sums[t] == null) continue;
          for (int j = g * cg; j < (g + 1) * cg; j++) {
            s1 += sums[t][j];
            s2 += sums[t][c + j];
          }
        }
        double mu = s1 / count;
        double var = Math.max(0, s2 / count - mu * mu);
        double inv = 1.0 / Math.sqrt(var + EPSILON);
        for (int j = g * cg; j < (g + 1) * cg; j++) {
          mean[img * c + j] = (float) mu;
          mul[img * c + j] = (float) (inv * scale[j]);
        }
      }
    }
    FeatureMap out = new FeatureMap(x.n, x.h, x.w, c);
    Parallel.forEach(x.n * chunks, t -> {
      int img = t / chunks;
      int from = (t % chunks) * chunk;
      int to = Math.min(hw, from + chunk);
      float[] d = x.data;
      float[] o = out.data;
      int mo = img * c;
      for (int p = from; p < to; p++) {
        int base = (img * hw + p) * c;
        for (int j = 0; j < c; j++) o[base + j] = (d[base + j] - mean[mo + j]) * mul[mo + j] + bias[j];
        if (silu) silu(o, base, base + c); // while the pixel is in L1
      }
    });
    return out;
  }

  // Eigen's rational approximation of tanh (13/6), exact to a few ulps on [−7.9, 7.9] and saturated beyond
  private static final float TANH_CLAMP = 7.90531110763549805f;
  private static final float A1 = 4.89352455891786e-03f;
  private static final float A3 = 6.37261928875436e-04f;
  private static final float A5 = 1.48572235717979e-05f;
  private static final float A7 = 5.12229709037114e-08f;
  private static final float A9 = -8.60467152213735e-11f;
  private static final float A11 = 2.00018790482477e-13f;
  private static final float A13 = -2.76076847742355e-16f;
  private static final float B0 = 4.89352518554385e-03f;
  private static final float B2 = 2.26843463243900e-03f;
  private static final float B4 = 1.18534705686654e-04f;
  private static final float B6 = 1.19825839466702e-06f;

  /**
   * SiLU in place on v[from, to): y·σ(y) with σ(y) = ½(1 + tanh(y/2)) and tanh as a rational function: only
   * multiplies, adds, a division and min/max, which the JIT turns into vector instructions (a call to
   * Math.exp per value would cost more than the convolutions around it).
   */
  static void silu(float[] v, int from, int to) {
    for (int i = from; i < to; i++) {
      float y = v[i];
      float x = Math.max(-TANH_CLAMP, Math.min(TANH_CLAMP, 0.5f * y));
      float x2 = x * x;
      float p = x * (A1 + x2 * (A3 + x2 * (A5 + x2 * (A7 + x2 * (A9 + x2 * (A11 + x2 * A13))))));
      float q = B0 + x2 * (B2 + x2 * (B4 + x2 * B6));
      v[i] = y * (0.5f + 0.5f * (p / q));
    }
  }
}
