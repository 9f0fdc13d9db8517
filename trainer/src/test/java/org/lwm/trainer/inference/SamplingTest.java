package org.lwm.trainer.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Top-k by a heap picks exactly what sorting every token would, draw for draw. */
class SamplingTest {
  /** The plain way: sort all ids by probability (stable), keep k, then top-p, draw from the same seeded stream. */
  static int reference(float[] logits, double t, int k, double topP, SplittableRandom random) {
    int v = logits.length;
    double max = Double.NEGATIVE_INFINITY;
    for (float l : logits) max = Math.max(max, l);
    double[] p = new double[v];
    for (int i = 0; i < v; i++) p[i] = Math.exp((logits[i] - max) / t);
    Integer[] order = new Integer[v];
    for (int i = 0; i < v; i++) order[i] = i;
    Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
    int n = k > 0 ? Math.min(k, v) : v;
    double kept = 0;
    for (int i = 0; i < n; i++) kept += p[order[i]];
    double acc = 0;
    for (int i = 0; i < n && topP < 1; i++) {
      acc += p[order[i]] / kept;
      if (acc >= topP) {
        n = i + 1;
        break;
      }
    }
    double sum = 0;
    for (int i = 0; i < n; i++) sum += p[order[i]];
    double u = random.nextDouble() * sum;
    acc = 0;
    for (int i = 0; i < n; i++) {
      acc += p[order[i]];
      if (acc >= u) return order[i];
    }
    return order[n - 1];
  }

  @Test
  void topKDrawsTheSameTokensAsAFullSort() {
    Random r = new Random(3);
    for (int[] kv : new int[][] {{1000, 8192}, {100, 300}, {1, 50}, {7, 7}, {9, 8}}) {
      int k = kv[0], v = kv[1];
      for (double topP : new double[] {1, 0.8}) {
        Sampling s = new Sampling(0.7, k, topP, 99);
        SplittableRandom ref = new SplittableRandom(99);
        int inTop = 0;
        for (int draw = 0; draw < 30; draw++) {
          float[] logits = new float[v];
          // few distinct values: many ties, which both must break by id
          for (int i = 0; i < v; i++) logits[i] = r.nextInt(12) * 0.5f;
          int want = reference(logits, 0.7, k, topP, ref);
          assertEquals(want, s.next(logits, 0, v), "k " + k + " of " + v + ", top-p " + topP + ", draw " + draw);
          if (logits[want] >= 5f) inTop++;
        }
        assertTrue(k > 30 || inTop > 0 || v <= k, "draws come from the top");
      }
    }
  }
}
