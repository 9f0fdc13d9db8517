package org.lwm.trainer.ring;

/**
 * The plain reference for {@link RingAttention}: full attention over a whole row in float64, with the causal
 * and segment mask applied entry by entry. Slow and O(L²) in memory; only for tests and checks.
 */
public final class DenseAttention {
  private DenseAttention() {}

  public static boolean open(int qi, int ki, int[] segment) {
    return ki <= qi && segment[ki] == segment[qi];
  }

  /** out [L, H·hd] from q [L, H·hd], k, v [L, KV·hd]. */
  public static void forward(float[] q, float[] k, float[] v, int[] segment, int len, int heads, int kvHeads, int hd,
      float[] out) {
    int hdq = heads * hd, hdk = kvHeads * hd, group = heads / kvHeads;
    double[] p = new double[len];
    for (int h = 0; h < heads; h++) {
      int g = h / group;
      for (int i = 0; i < len; i++) {
        double sum = softmaxRow(q, k, segment, len, heads, kvHeads, hd, h, i, p);
        for (int d = 0; d < hd; d++) {
          double acc = 0;
          for (int j = 0; j < len; j++) if (open(i, j, segment)) acc += p[j] / sum * v[j * hdk + g * hd + d];
          out[i * hdq + h * hd + d] = (float) acc;
        }
      }
    }
  }

  /** dq, dk, dv (overwritten) from dOut, recomputing the softmax. */
  public static void backward(float[] q, float[] k, float[] v, int[] segment, int len, int heads, int kvHeads, int hd,
      float[] dOut, float[] dq, float[] dk, float[] dv) {
    double scale = 1.0 / Math.sqrt(hd);
    int hdq = heads * hd, hdk = kvHeads * hd, group = heads / kvHeads;
    java.util.Arrays.fill(dq, 0f);
    java.util.Arrays.fill(dk, 0f);
    java.util.Arrays.fill(dv, 0f);
    double[] p = new double[len], dp = new double[len];
    for (int h = 0; h < heads; h++) {
      int g = h / group;
      for (int i = 0; i < len; i++) {
        double sum = softmaxRow(q, k, segment, len, heads, kvHeads, hd, h, i, p);
        double rowDot = 0;
        for (int j = 0; j < len; j++) {
          if (!open(i, j, segment)) continue;
          p[j] /= sum;
          double acc = 0;
          for (int d = 0; d < hd; d++) acc += (double) dOut[i * hdq + h * hd + d] * v[j * hdk + g * hd + d];
          dp[j] = acc;
          rowDot += p[j] * acc;
        }
        for (int j = 0; j < len; j++) {
          if (!open(i, j, segment)) continue;
          double ds = p[j] * (dp[j] - rowDot) * scale;
          for (int d = 0; d < hd; d++) {
            dv[j * hdk + g * hd + d] += (float) (p[j] * dOut[i * hdq + h * hd + d]);
            dq[i * hdq + h * hd + d] += (float) (ds * k[j * hdk + g * hd + d]);
            dk[j * hdk + g * hd + d] += (float) (ds * q[i * hdq + h * hd + d]);
          }
        }
      }
    }
  }

  /**
   * Row i of head h: p[j] = exp(q_i·k_j·scale − max) for the keys i may attend to (others untouched); returns
   * their sum, so p[j] / sum is the attention weight.
   */
  private static double softmaxRow(float[] q, float[] k, int[] segment, int len, int heads, int kvHeads, int hd, int h,
      int i, double[] p) {
    double scale = 1.0 / Math.sqrt(hd);
    int hdq = heads * hd, hdk = kvHeads * hd, g = h / (heads / kvHeads);
    double max = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < len; j++) {
      if (!open(i, j, segment)) continue;
      double s = 0;
      for (int d = 0; d < hd; d++) s += (double) q[i * hdq + h * hd + d] * k[j * hdk + g * hd + d];
      p[j] = s * scale;
      max = Math.max(max, p[j]);
    }
    double sum = 0;
    for (int j = 0; j < len; j++) if (open(i, j, segment)) sum += p[j] = Math.exp(p[j] - max);
    return sum;
  }
}
