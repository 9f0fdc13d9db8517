package org.lwm.trainer.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lwm.core.numeric.Gemm;

/** The few-queries path (a decoding step) against the tiles, on the same masked block. */
class CpuAttentionTest {
  @Test
  void fewQueriesGiveWhatTheTilesGive() {
    AttentionShape a = new AttentionShape(4, 2, 19, 8, 8); // GQA, a head size with a vector tail, several key chunks
    int t = 3, tk = 37, hq = a.heads() * a.headDim(), hk = a.kvHeads() * a.headDim();
    Random r = new Random(7);
    float[] q = gaussian(r, t * hq), k = gaussian(r, tk * hk), v = gaussian(r, tk * hk);
    int[] kIndex = new int[tk], kSeg = new int[tk], qIndex = {20, 30, 36}, qSeg = {1, 2, 2};
    for (int j = 0; j < tk; j++) {
      kIndex[j] = j;
      kSeg[j] = j < 25 ? 1 : 2; // two packed segments; queries see only their own, and only keys not after them
    }
    CpuAttention attention = new CpuAttention(Gemm.best());
    float[][] tiles = run(a, t, (m, l, out) -> attention.forward(a, q, qIndex, qSeg, t, k, v, kIndex, kSeg, tk, m, l, out));
    float[][] few = run(a, t, (m, l, out) -> attention.forwardFewQueries(a, q, qIndex, qSeg, t, k, v, kIndex, kSeg, tk, m, l, out));
    assertArrayEquals(tiles[0], few[0], 1e-5f, "attention output");
    assertArrayEquals(tiles[1], few[1], 1e-5f, "log-sum-exp");
    assertArrayEquals(tiles[2], few[2], "tile counts");
    assertEquals(5, (int) (tiles[2][0] + tiles[2][1]), "one query chunk against five key chunks");
  }

  interface Forward {
    long[] run(float[] m, float[] l, float[] out);
  }

  private static float[][] run(AttentionShape a, int t, Forward f) {
    float[] m = new float[a.heads() * t], l = new float[a.heads() * t], out = new float[t * a.heads() * a.headDim()], lse = new float[a.heads() * t];
    CpuAttention attention = new CpuAttention(Gemm.best());
    attention.forwardBegin(a, t, m, l, out);
    long[] counts = f.run(m, l, out);
    attention.forwardEnd(a, t, m, l, out, lse);
    return new float[][] {out, lse, {counts[0], counts[1]}};
  }

  private static float[] gaussian(Random r, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
    return x;
  }
}
