package org.lwm.vqgan.model;

/**
 * Flax's {@code nn.GroupNorm()} as LWM uses it (32 groups, ε = 1e-6, per-channel scale and bias), optionally
 * followed by SiLU (x·σ(x)), which in LWM always comes right after it. Statistics over (height, width,
 * channels of the group) per image, accumulated in float over a few thousand values and then in double; the
 * biased variance E[x²] − E[x]².
 */
public final class GroupNorm {
  public static final int GROUPS = 32;
  public static final double EPSILON = 1e-6;
  /** Floats per run of pixels processed as one array (fits L1 with the loops' other arrays). */
  private static final int RUN_FLOATS = 4096;
  /** Runs summed in float before the sums go into double: few enough that float rounding stays at ~1e-6. */
  private static final int FLUSH_RUNS = 16;

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
    // pixels go through in runs of `run` pixels (run·c floats, contiguous in NHWC) copied into one array: long
    // loops with a single index are what the JIT vectorises (see silu)
    int run = Math.max(1, RUN_FLOATS / c);
    double[][] sums = new double[x.n * chunks][];
    Parallel.forEach(x.n * chunks, t -> {
      int img = t / chunks;
      int from = (t % chunks) * chunk;
      int to = Math.min(hw, from + chunk);
      double[] s = new double[2 * c];
      float[] buf = new float[run * c];
      float[] s1 = new float[run * c]; // per channel and slot of the run, in float for a few runs, then into double
      float[] s2 = new float[run * c];
      int runs = 0;
      for (int p0 = from; p0 < to; p0 += run) {
        int len = Math.min(run, to - p0) * c;
        System.arraycopy(x.data, (img * hw + p0) * c, buf, 0, len);
        for (int i = 0; i < len; i++) s1[i] += buf[i];
        for (int i = 0; i < len; i++) s2[i] += buf[i] * buf[i];
        if (++runs % FLUSH_RUNS == 0 || p0 + run >= to) fold(s1, s2, s, c);
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
      float[] m = new float[run * c]; // the image's per-channel mean, multiplier and bias repeated over a run
      float[] k = new float[run * c];
      float[] b = new float[run * c];
      for (int r = 0; r < run; r++) {
        System.arraycopy(mean, img * c, m, r * c, c);
        System.arraycopy(mul, img * c, k, r * c, c);
        System.arraycopy(bias, 0, b, r * c, c);
      }
      float[] buf = new float[run * c];
      for (int p0 = from; p0 < to; p0 += run) {
        int base = (img * hw + p0) * c;
        int len = Math.min(run, to - p0) * c;
        System.arraycopy(x.data, base, buf, 0, len);
        for (int i = 0; i < len; i++) buf[i] = (buf[i] - m[i]) * k[i] + b[i];
        if (silu) silu(buf, 0, len);
        System.arraycopy(buf, 0, out.data, base, len);
      }
    });
    return out;
  }

  /** Adds the run-slot sums into the per-channel double totals s[0, c) and s[c, 2c), and clears them. */
  private static void fold(float[] s1, float[] s2, double[] s, int c) {
    for (int i = 0; i < s1.length; i++) {
      s[i % c] += s1[i];
      s[c + i % c] += s2[i];
    }
    java.util.Arrays.fill(s1, 0f);
    java.util.Arrays.fill(s2, 0f);
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
   * Math.exp per value would cost more than the convolutions around it). The JIT (JDK 17) vectorises such a
   * loop only when all its accesses share one index, and pays a fixed cost per loop: callers copy runs of
   * pixels into their own array (System.arraycopy) rather than index into the map at an offset.
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
