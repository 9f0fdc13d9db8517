package org.lwm.trainer.bench;

import java.nio.FloatBuffer;
import java.util.Locale;
import java.util.Random;
import org.lwm.core.numeric.Gemm;
import org.lwm.trainer.backend.AttentionShape;
import org.lwm.trainer.backend.Backend;

/**
 * The blockwise attention tiles (forward, backward) against OpenBLAS SGEMM of the same shapes in the same run:
 * T queries against one block of T keys that all precede them (every tile open, no mask, nothing skipped), H heads
 * of hd, tiles of chunk × chunk. Work counted as the products: forward 2 (S = QKᵀ, O += PV), backward 5 (S again,
 * dV, dP, dQ, dK), each 2·chunk²·hd per tile and head. The SGEMM side makes the same calls on contiguous direct
 * buffers (no copies, no softmax): what the tiles would reach if everything but the products were free.
 * Prints one line per head size: {@code tiles hd=.. fwd_gflops=.. sgemm_fwd_gflops=.. ratio=.. bwd_...}.
 *
 * <p>usage: TileBenchmark [T (2048)] [heads (4)] [chunk (512)] [seconds per measurement (2)] [head sizes (16,32,64,128)]
 */
public final class TileBenchmark {
  private TileBenchmark() {}

  public static void main(String[] args) {
    int t = args.length > 0 ? Integer.parseInt(args[0]) : 2048, heads = args.length > 1 ? Integer.parseInt(args[1]) : 4;
    int chunk = args.length > 2 ? Integer.parseInt(args[2]) : 512;
    double seconds = args.length > 3 ? Double.parseDouble(args[3]) : 2;
    String sizes = args.length > 4 ? args[4] : "16,32,64,128";
    Gemm.useCallers(1);
    Backend b = Backend.cpu();
    System.out.printf(Locale.ROOT, "# T=%d queries x %d keys, %d heads, tiles %dx%d, %s, %d cores%n", t, t, heads, chunk, chunk,
        b.name(), Runtime.getRuntime().availableProcessors());
    for (String s : sizes.split(",")) {
      int hd = Integer.parseInt(s.trim());
      AttentionShape a = new AttentionShape(heads, heads, hd, chunk, chunk);
      Random r = new Random(hd);
      float[] q = random(r, t * heads * hd), k = random(r, t * heads * hd), v = random(r, t * heads * hd);
      float[] dOut = random(r, t * heads * hd);
      int[] qIndex = new int[t], kIndex = new int[t], seg = new int[t];
      for (int i = 0; i < t; i++) {
        qIndex[i] = t + i; // every key precedes every query: all tiles open
        kIndex[i] = i;
      }
      float[] m = new float[heads * t], l = new float[heads * t], out = new float[t * heads * hd], lse = new float[heads * t];
      float[] rowDot = new float[heads * t], dq = new float[t * heads * hd], dk = new float[t * heads * hd], dv = new float[t * heads * hd];
      double tilesFlop = 2.0 * t * t * hd * heads;
      double fwd = rate(seconds, 2 * tilesFlop, () -> {
        b.attentionForwardBegin(a, t, m, l, out);
        b.attentionForward(a, q, qIndex, seg, t, k, v, kIndex, seg, t, m, l, out);
        b.attentionForwardEnd(a, t, m, l, out, lse);
      });
      double bwd = rate(seconds, 5 * tilesFlop, () -> {
        b.attentionBackwardBegin(a, t, out, dOut, rowDot, dq);
        b.attentionBackward(a, q, qIndex, seg, t, k, v, kIndex, seg, t, lse, rowDot, dOut, dq, dk, dv);
      });
      Gemm g = Gemm.best();
      FloatBuffer qa = Gemm.allocate(chunk * hd), ka = Gemm.allocate(chunk * hd), sa = Gemm.allocate(chunk * chunk), oa = Gemm.allocate(chunk * hd);
      int tiles = (t / chunk) * (t / chunk) * heads;
      double gFwd = rate(seconds, 2 * tilesFlop, () -> {
        for (int i = 0; i < tiles; i++) {
          g.sgemm(false, true, chunk, chunk, hd, 1f, qa, hd, ka, hd, 0f, sa, chunk);
          g.sgemm(false, false, chunk, hd, chunk, 1f, sa, chunk, ka, hd, 1f, oa, hd);
        }
      });
      double gBwd = rate(seconds, 5 * tilesFlop, () -> {
        for (int i = 0; i < tiles; i++) {
          g.sgemm(false, true, chunk, chunk, hd, 1f, qa, hd, ka, hd, 0f, sa, chunk); // S
          g.sgemm(true, false, chunk, hd, chunk, 1f, sa, chunk, qa, hd, 1f, oa, hd); // dV = Pᵀ dO
          g.sgemm(false, true, chunk, chunk, hd, 1f, qa, hd, ka, hd, 0f, sa, chunk); // dP = dO Vᵀ
          g.sgemm(false, false, chunk, hd, chunk, 1f, sa, chunk, ka, hd, 1f, oa, hd); // dQ = dS K
          g.sgemm(true, false, chunk, hd, chunk, 1f, sa, chunk, qa, hd, 1f, oa, hd); // dK = dSᵀ Q
        }
      });
      System.out.printf(Locale.ROOT, "tiles hd=%d fwd_gflops=%.1f sgemm_fwd_gflops=%.1f fwd_ratio=%.2f bwd_gflops=%.1f sgemm_bwd_gflops=%.1f bwd_ratio=%.2f%n",
          hd, fwd, gFwd, fwd / gFwd, bwd, gBwd, bwd / gBwd);
    }
  }

  /** GFLOP/s of body (flop per call), best of the calls made in about {@code seconds} after one warm-up call. */
  private static double rate(double seconds, double flop, Runnable body) {
    body.run();
    double best = Double.MAX_VALUE;
    long end = System.nanoTime() + (long) (seconds * 1e9);
    int n = 0;
    while (n < 3 || System.nanoTime() < end) {
      long t0 = System.nanoTime();
      body.run();
      best = Math.min(best, (System.nanoTime() - t0) / 1e9);
      n++;
    }
    return flop / best / 1e9;
  }

  private static float[] random(Random r, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
    return x;
  }
}
