package org.lwm.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.lwm.core.records.PackedRow;
import org.lwm.core.records.SequenceLayout;
import org.lwm.trainer.model.Parameters;
import org.lwm.trainer.model.SequenceParallel;
import org.lwm.trainer.ring.DenseAttention;
import org.lwm.trainer.ring.LocalRing;
import org.lwm.trainer.ring.RingAttention;
import org.lwm.trainer.ring.Transport;

/** RingAttention (sp = 1, 2, 4 × contiguous, zigzag) against dense masked attention, and the whole model across sp. */
class RingAttentionTest {
  static final int L = 48, H = 4, KV = 2, HD = 8;

  record Full(float[] out, float[] dq, float[] dk, float[] dv, long computed, long skipped) {}

  /** Runs the ring on every shard and scatters the shards' results back to row order. */
  static Full ring(int sp, SequenceLayout layout, float[] q, float[] k, float[] v, int[] seg, float[] dOut,
      int qChunk, int kChunk) throws Exception {
    int hq = H * HD, hk = KV * HD, t = L / sp;
    float[] out = new float[L * hq], dq = new float[L * hq], dk = new float[L * hk], dv = new float[L * hk];
    LocalRing localRing = new LocalRing(sp);
    ExecutorService pool = Executors.newFixedThreadPool(sp);
    List<Future<long[]>> fs = new ArrayList<>();
    for (int rank = 0; rank < sp; rank++) {
      Transport tr = localRing.worker(rank);
      fs.add(pool.submit(() -> {
        int[] idx = layout.positions(L, sp, tr.rank());
        float[] sq = gather(q, idx, hq), sk = gather(k, idx, hk), sv = gather(v, idx, hk), sdo = gather(dOut, idx, hq);
        int[] sseg = layout.shard(seg, sp, tr.rank());
        RingAttention ra = new RingAttention(H, KV, HD, qChunk, kChunk);
        float[] o = new float[t * hq], lse = new float[H * t], gq = new float[t * hq], gk = new float[t * hk], gv = new float[t * hk];
        ra.forward(tr, sq, sk, sv, idx, sseg, t, o, lse);
        ra.backward(tr, sq, sk, sv, idx, sseg, t, o, lse, sdo, gq, gk, gv);
        scatter(o, idx, hq, out);
        scatter(gq, idx, hq, dq);
        scatter(gk, idx, hk, dk);
        scatter(gv, idx, hk, dv);
        return new long[] {ra.tilesComputed(), ra.tilesSkipped()};
      }));
    }
    long computed = 0, skipped = 0;
    for (Future<long[]> f : fs) {
      long[] c = f.get();
      computed += c[0];
      skipped += c[1];
    }
    pool.shutdown();
    return new Full(out, dq, dk, dv, computed, skipped);
  }

  static float[] gather(float[] a, int[] idx, int width) {
    float[] o = new float[idx.length * width];
    for (int i = 0; i < idx.length; i++) System.arraycopy(a, idx[i] * width, o, i * width, width);
    return o;
  }

  static void scatter(float[] s, int[] idx, int width, float[] a) {
    for (int i = 0; i < idx.length; i++) System.arraycopy(s, i * width, a, idx[i] * width, width);
  }

  static float[] random(Random r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
    return a;
  }

  /** Segments 1…k of random lengths, then padding (segment 0). */
  static int[] segments(Random r) {
    int[] seg = new int[L];
    int p = 0, s = 0, used = L - 5;
    while (p < used) {
      int n = Math.min(used - p, 1 + r.nextInt(14));
      s++;
      for (int i = 0; i < n; i++) seg[p + i] = s;
      p += n;
    }
    return seg;
  }

  @Test
  void ringEqualsDenseMaskedAttentionForEverySpAndLayout() throws Exception {
    Random r = new Random(3);
    float[] q = random(r, L * H * HD), k = random(r, L * KV * HD), v = random(r, L * KV * HD), dOut = random(r, L * H * HD);
    int[] seg = segments(r);
    float[] out = new float[L * H * HD], dq = new float[q.length], dk = new float[k.length], dv = new float[v.length];
    DenseAttention.forward(q, k, v, seg, L, H, KV, HD, out);
    DenseAttention.backward(q, k, v, seg, L, H, KV, HD, dOut, dq, dk, dv);
    for (int sp : new int[] {1, 2, 4}) {
      for (SequenceLayout layout : SequenceLayout.values()) {
        for (int[] chunks : new int[][] {{4, 4}, {3, 5}, {64, 64}}) {
          Full f = ring(sp, layout, q, k, v, seg, dOut, chunks[0], chunks[1]);
          String what = "sp=" + sp + " " + layout + " chunks " + chunks[0] + "x" + chunks[1];
          assertTrue(TestRows.relError(f.out(), out, 1e-6) < 1e-5, "output " + what + ": " + TestRows.relError(f.out(), out, 1e-6));
          assertTrue(TestRows.relError(f.dq(), dq, 1e-6) < 1e-5, "dq " + what + ": " + TestRows.relError(f.dq(), dq, 1e-6));
          assertTrue(TestRows.relError(f.dk(), dk, 1e-6) < 1e-5, "dk " + what + ": " + TestRows.relError(f.dk(), dk, 1e-6));
          assertTrue(TestRows.relError(f.dv(), dv, 1e-6) < 1e-5, "dv " + what + ": " + TestRows.relError(f.dv(), dv, 1e-6));
          if (chunks[0] == 4) assertTrue(f.skipped() > 0, "segment and causal masks must skip tiles: " + what);
        }
      }
    }
  }

  @Test
  void zigzagBalancesCausalWorkAcrossWorkers() throws Exception {
    // one segment: pure causal attention; count tiles per worker
    int sp = 4;
    Random r = new Random(5);
    float[] q = random(r, L * H * HD), k = random(r, L * KV * HD), v = random(r, L * KV * HD);
    int[] seg = new int[L];
    java.util.Arrays.fill(seg, 1);
    long[] contiguous = perWorkerTiles(sp, SequenceLayout.CONTIGUOUS, q, k, v, seg);
    long[] zigzag = perWorkerTiles(sp, SequenceLayout.ZIGZAG, q, k, v, seg);
    assertTrue(contiguous[sp - 1] >= 4 * contiguous[0], "contiguous: the last worker does most work " + java.util.Arrays.toString(contiguous));
    for (long c : zigzag) assertEquals(zigzag[0], c, "zigzag: equal work per worker " + java.util.Arrays.toString(zigzag));
  }

  static long[] perWorkerTiles(int sp, SequenceLayout layout, float[] q, float[] k, float[] v, int[] seg) throws Exception {
    int hq = H * HD, hk = KV * HD, t = L / sp;
    LocalRing localRing = new LocalRing(sp);
    ExecutorService pool = Executors.newFixedThreadPool(sp);
    List<Future<Long>> fs = new ArrayList<>();
    for (int rank = 0; rank < sp; rank++) {
      Transport tr = localRing.worker(rank);
      fs.add(pool.submit(() -> {
        int[] idx = layout.positions(L, sp, tr.rank());
        RingAttention ra = new RingAttention(H, KV, HD, 3, 3);
        ra.forward(tr, gather(q, idx, hq), gather(k, idx, hk), gather(v, idx, hk), idx, layout.shard(seg, sp, tr.rank()), t,
            new float[t * hq], new float[H * t]);
        return ra.tilesComputed();
      }));
    }
    long[] tiles = new long[sp];
    for (int i = 0; i < sp; i++) tiles[i] = fs.get(i).get();
    pool.shutdown();
    return tiles;
  }

  @Test
  void modelLossAndGradientsAreTheSameForEverySpAndLayout() {
    Parameters model = TestRows.model(21, 10000.0);
    List<PackedRow> rows = TestRows.batch(4, 2, 32, model, true);
    SequenceParallel.Result dense = SequenceParallel.run(model.config, model, rows, SequenceParallel.Options.dense(), true, false);
    for (int sp : new int[] {2, 4}) {
      for (SequenceLayout layout : SequenceLayout.values()) {
        // recomputation (activation checkpointing) on for zigzag: the same numbers, memory bounded per layer
        SequenceParallel.Result ring = SequenceParallel.run(model.config, model, rows,
            new SequenceParallel.Options(sp, layout, 2, 3, 3, layout == SequenceLayout.ZIGZAG), true, false);
        assertEquals(dense.loss(), ring.loss(), 1e-5 * dense.loss(), "loss sp=" + sp + " " + layout);
        dense.grads().named().forEach((name, g) -> {
          double e = TestRows.relError(ring.grads().get(name), g, 1e-6);
          assertTrue(e < 1e-4, name + " sp=" + sp + " " + layout + ": " + e);
        });
      }
    }
  }

  @Test
  void finiteDifferencesAgreeWithTheBackwardPass() {
    Parameters model = TestRows.model(33, 10000.0);
    List<PackedRow> rows = TestRows.batch(8, 1, 16, model, true);
    SequenceParallel.Options o = new SequenceParallel.Options(2, SequenceLayout.ZIGZAG, 2, 2, 4);
    SequenceParallel.Result base = SequenceParallel.run(model.config, model, rows, o, true, false);
    Random r = new Random(1);
    int checked = 0;
    for (String name : List.of("model.layers.0.self_attn.q_proj.weight", "model.layers.1.self_attn.k_proj.weight",
        "model.layers.0.mlp.gate_proj.weight", "model.layers.1.input_layernorm.weight", "vision_head.weight",
        "model.vision_embed_tokens.weight", "model.embed_tokens.weight")) {
      float[] w = model.get(name), g = base.grads().get(name);
      // probe the entries with the largest gradients, where a float32 central difference is meaningful
      int best = 0;
      for (int i = 0; i < g.length; i++) if (Math.abs(g[i]) > Math.abs(g[best])) best = i;
      for (int i : new int[] {best, r.nextInt(w.length)}) {
        if (Math.abs(g[i]) < 1e-3) continue;
        float keep = w[i], h = 1e-2f;
        w[i] = keep + h;
        double up = SequenceParallel.run(model.config, model, rows, o, false, false).loss();
        w[i] = keep - h;
        double down = SequenceParallel.run(model.config, model, rows, o, false, false).loss();
        w[i] = keep;
        double fd = (up - down) / (2 * h);
        assertEquals(g[i], fd, 2e-2 * Math.abs(g[i]) + 1e-4, name + "[" + i + "]");
        checked++;
      }
    }
    assertTrue(checked >= 7, "too few gradient entries were large enough to check: " + checked);
  }
}
