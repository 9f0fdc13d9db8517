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
    int[] order = null;
    int n = v;
    double max = logits[off + best];
    double[] p = new double[v];
    double sum = 0;
    for (int i = 0; i < v; i++) sum += p[i] = Math.exp((logits[off + i] - max) / temperature);
    if (topK > 0 || topP < 1) {
      order = topK > 0 && topK < v ? largest(p, topK) : sorted(p, v);
      n = order.length;
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

  /** Ids 0…n−1 by probability, highest first, ties by id. */
  private static int[] sorted(double[] p, int n) {
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) order[i] = i;
    Arrays.sort(order, (a, b) -> better(p, a, b) ? -1 : better(p, b, a) ? 1 : 0);
    return Arrays.stream(order).mapToInt(Integer::intValue).toArray();
  }

  /**
   * The first k of {@link #sorted}'s order without sorting all of it: a heap of the best k seen, its worst at the
   * root, then those k sorted (for the vision head's top-k 1000 of 8192 codes a full sort per token costs more than the
   * model's step).
   */
  private static int[] largest(double[] p, int k) {
    int[] heap = new int[k];
    int size = 0;
    for (int i = 0; i < p.length; i++) {
      if (size < k) {
        int at = size++;
        heap[at] = i;
        while (at > 0 && better(p, heap[(at - 1) / 2], heap[at])) { // the worse one goes up
          int parent = (at - 1) / 2, t = heap[parent];
          heap[parent] = heap[at];
          heap[at] = t;
          at = parent;
        }
      } else if (better(p, i, heap[0])) {
        heap[0] = i;
        int at = 0;
        while (true) {
          int l = 2 * at + 1, r = l + 1, worst = at;
          if (l < k && better(p, heap[worst], heap[l])) worst = l;
          if (r < k && better(p, heap[worst], heap[r])) worst = r;
          if (worst == at) break;
          int t = heap[worst];
          heap[worst] = heap[at];
          heap[at] = t;
          at = worst;
        }
      }
    }
    Integer[] top = new Integer[k];
    for (int i = 0; i < k; i++) top[i] = heap[i];
    Arrays.sort(top, (a, b) -> better(p, a, b) ? -1 : better(p, b, a) ? 1 : 0);
    return Arrays.stream(top).mapToInt(Integer::intValue).toArray();
  }

  /** a before b: more probable, or as probable and a smaller id (the order a stable sort by probability gives). */
  private static boolean better(double[] p, int a, int b) {
    return p[a] > p[b] || (p[a] == p[b] && a < b);
  }
}
