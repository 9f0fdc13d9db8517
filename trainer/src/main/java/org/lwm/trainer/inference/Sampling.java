package org.lwm.trainer.inference;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.lwm.core.cli.UserError;

/**
 * How the next token is picked from logits: greedy at temperature 0, else softmax at the temperature restricted
 * to the top-k tokens (0 = all) and then to the smallest set whose probability reaches top-p, sampled from a seeded
 * stream (the same seed gives the same tokens).
 */
public final class Sampling {
  private final double temperature;
  private final int topK;
  private final double topP;
  private final SplittableRandom random;

  public Sampling(double temperature, int topK, double topP, long seed) {
    if (temperature < 0 || Double.isNaN(temperature)) throw new UserError("temperature " + temperature + " must be ≥ 0");
    if (topK < 0) throw new UserError("top-k " + topK + " must be ≥ 0 (0: no limit)");
    if (!(topP > 0 && topP <= 1)) throw new UserError("top-p " + topP + " must be in (0, 1]");
    this.temperature = temperature;
    this.topK = topK;
    this.topP = topP;
    this.random = new SplittableRandom(seed);
  }

  public static Sampling greedy() {
    return new Sampling(0, 0, 1, 0);
  }

  /** The next token from logits[off, off+v). */
  public int next(float[] logits, int off, int v) {
    int best = 0;
    for (int i = 1; i < v; i++) if (logits[off + i] > logits[off + best]) best = i;
    if (temperature == 0) return best;
    Integer[] order = null;
    int n = v;
    double max = logits[off + best];
    double[] p = new double[v];
    double sum = 0;
    for (int i = 0; i < v; i++) sum += p[i] = Math.exp((logits[off + i] - max) / temperature);
    if (topK > 0 || topP < 1) {
      order = new Integer[v];
      for (int i = 0; i < v; i++) order[i] = i;
      double[] pp = p;
      Arrays.sort(order, (a, b) -> Double.compare(pp[b], pp[a]));
      if (topK > 0) n = Math.min(n, topK);
      double kept = 0;
      for (int i = 0; i < n; i++) kept += p[order[i]];
      if (topP < 1) {
        double acc = 0;
        for (int i = 0; i < n; i++) {
          acc += p[order[i]] / kept;
          if (acc >= topP) {
            n = i + 1;
            break;
          }
        }
      }
      sum = 0;
      for (int i = 0; i < n; i++) sum += p[order[i]];
    }
    double u = random.nextDouble() * sum, acc = 0;
    for (int i = 0; i < n; i++) {
      int id = order == null ? i : order[i];
      acc += p[id];
      if (acc >= u) return id;
    }
    return order == null ? v - 1 : order[n - 1];
  }
}
