package org.lwm.trainer.backend;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.lwm.core.numeric.Gemm;
import org.lwm.core.numeric.Simd;

/**
 * Blockwise causal, segment-masked attention on the CPU (FlashAttention-2 recurrences): a worker's queries against
 * one key/value block, tile by tile (query chunk × key chunk) with an online softmax, so no T×T matrix exists. A
 * tile is skipped when the mask makes it empty: all its keys come after all its queries, or their segment ranges
 * do not meet; a tile the mask leaves entirely open is not masked at all.
 */
final class CpuAttention {
  private final Gemm gemm;

  CpuAttention(Gemm gemm) {
    this.gemm = gemm;
  }

  /** Which tiles of queries × keys the mask leaves (partly) open, by chunk ranges of index and segment. */
  static final class Chunks {
    final int n, size, t;
    final int[] minIdx, maxIdx, minSeg, maxSeg;

    Chunks(int[] index, int[] segment, int t, int size) {
      this.t = t;
      this.size = size;
      n = (t + size - 1) / size;
      minIdx = new int[n];
      maxIdx = new int[n];
      minSeg = new int[n];
      maxSeg = new int[n];
      for (int c = 0; c < n; c++) {
        int lo = c * size, hi = Math.min(t, lo + size);
        int a = Integer.MAX_VALUE, b = Integer.MIN_VALUE, s = Integer.MAX_VALUE, z = Integer.MIN_VALUE;
        for (int i = lo; i < hi; i++) {
          a = Math.min(a, index[i]);
          b = Math.max(b, index[i]);
          s = Math.min(s, segment[i]);
          z = Math.max(z, segment[i]);
        }
        minIdx[c] = a;
        maxIdx[c] = b;
        minSeg[c] = s;
        maxSeg[c] = z;
      }
    }

    int lo(int c) {
      return c * size;
    }

    int hi(int c) {
      return Math.min(t, (c + 1) * size);
    }

    static boolean empty(Chunks q, int qc, Chunks k, int kc) {
      return k.minIdx[kc] > q.maxIdx[qc] || k.maxSeg[kc] < q.minSeg[qc] || k.minSeg[kc] > q.maxSeg[qc];
    }

    /** True when every key of the tile precedes every query and all share one segment: no mask to apply. */
    static boolean full(Chunks q, int qc, Chunks k, int kc) {
      return k.maxIdx[kc] <= q.minIdx[qc] && q.minSeg[qc] == q.maxSeg[qc] && k.minSeg[kc] == k.maxSeg[kc]
          && q.minSeg[qc] == k.minSeg[kc];
    }
  }

  void forwardBegin(AttentionShape a, int t, float[] m, float[] l, float[] out) {
    Arrays.fill(m, 0, a.heads() * t, Float.NEGATIVE_INFINITY);
    Arrays.fill(l, 0, a.heads() * t, 0f);
    Arrays.fill(out, 0, t * a.heads() * a.headDim(), 0f);
  }

  long[] forward(AttentionShape a, float[] q, int[] qIndex, int[] qSegment, int t, float[] k, float[] v, int[] kIndex,
      int[] kSegment, int tk, float[] m, float[] l, float[] out) {
    int heads = a.heads(), kvHeads = a.kvHeads(), hd = a.headDim(), group = a.group();
    float scale = a.scale();
    Chunks qChunks = new Chunks(qIndex, qSegment, t, a.queryChunk()), kChunks = new Chunks(kIndex, kSegment, tk, a.keyChunk());
    Workspace w = Workspace.get();
    FloatBuffer qh = w.packed(0, q, t, heads, hd), kh = w.packed(1, k, tk, kvHeads, hd), vh = w.packed(2, v, tk, kvHeads, hd);
    FloatBuffer oh = w.packed(3, out, t, heads, hd), s = w.tile(0, a.queryChunk() * a.keyChunk());
    ByteBuffer sBytes = w.tileBytes(0);
    float[] row = w.row(0, Math.max(a.keyChunk(), hd));
    long computed = 0, skipped = 0;
    for (int qc = 0; qc < qChunks.n; qc++) {
      for (int kc = 0; kc < kChunks.n; kc++) {
        if (Chunks.empty(qChunks, qc, kChunks, kc)) {
          skipped++;
          continue;
        }
        computed++;
        boolean masked = !Chunks.full(qChunks, qc, kChunks, kc);
        int q0 = qChunks.lo(qc), cq = qChunks.hi(qc) - q0, k0 = kChunks.lo(kc), ck = kChunks.hi(kc) - k0;
        for (int h = 0; h < heads; h++) {
          int g = h / group;
          FloatBuffer qt = head(qh, h, t, q0, cq, hd), kt = head(kh, g, tk, k0, ck, hd), ot = head(oh, h, t, q0, cq, hd);
          // S = scale · Q_h Kᵀ_g over the tile
          gemm.sgemm(false, true, cq, ck, hd, scale, qt, hd, kt, hd, 0f, s, ck);
          for (int i = 0; i < cq; i++) {
            int r = h * t + q0 + i, so = i * ck;
            float mOld = m[r], mNew, sum;
            if (masked) { // copied out to be masked; an open tile's row is exponentiated where OpenBLAS wrote it
              s.get(so, row, 0, ck);
              mask(row, ck, qIndex[q0 + i], qSegment[q0 + i], kIndex, kSegment, k0);
              mNew = Math.max(mOld, Simd.max(row, 0, ck));
              if (mNew == Float.NEGATIVE_INFINITY) { // every key of the row closed so far: P = 0
                Arrays.fill(row, 0, ck, 0f);
                s.put(so, row, 0, ck);
                continue;
              }
              sum = Simd.expShifted(row, 0, ck, mNew);
              s.put(so, row, 0, ck);
            } else {
              mNew = Math.max(mOld, Simd.max(sBytes, so, ck));
              if (mNew == Float.NEGATIVE_INFINITY) { // scores of −∞ (overflowed products): P = 0, as above
                for (int j = 0; j < ck; j++) s.put(so + j, 0f);
                continue;
              }
              sum = Simd.expShifted(sBytes, so, ck, mNew);
            }
            float alpha = mOld == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(mOld - mNew);
            l[r] = l[r] * alpha + sum;
            m[r] = mNew;
            if (alpha != 1f) {
              ot.get(i * hd, row, 0, hd);
              for (int d = 0; d < hd; d++) row[d] *= alpha;
              ot.put(i * hd, row, 0, hd);
            }
          }
          // O_h += P V_g
          gemm.sgemm(false, false, cq, hd, ck, 1f, s, ck, head(vh, g, tk, k0, ck, hd), hd, 1f, ot, hd);
        }
      }
    }
    w.unpack(oh, out, t, heads, hd);
    return new long[] {computed, skipped};
  }

  /** Query rows up to this many (a decoding step's) take {@link #forwardFewQueries}. */
  static final int FEW_QUERIES = 4;

  /**
   * The same online-softmax update as {@link #forward}, for a few query rows against the whole block at once: each
   * row's scores are dot products straight over K (no packing of K and V into head-major buffers, no OpenBLAS call
   * per head), then P·V as one scaled add of each open value row. This is a decoding step, which would otherwise copy
   * the whole KV cache per layer and token. Returns the tile counts {@link #forward} would (its tiles are the unit of
   * the ring's counters).
   */
  long[] forwardFewQueries(AttentionShape a, float[] q, int[] qIndex, int[] qSegment, int t, float[] k, float[] v,
      int[] kIndex, int[] kSegment, int tk, float[] m, float[] l, float[] out) {
    int heads = a.heads(), hd = a.headDim(), group = a.group(), hq = heads * hd, hk = a.kvHeads() * hd;
    float scale = a.scale();
    float[] scores = Workspace.get().row(0, Math.max(tk, hd));
    for (int i = 0; i < t; i++) {
      int qi = qIndex[i], qs = qSegment[i];
      for (int h = 0; h < heads; h++) {
        int g = h / group, qo = i * hq + h * hd, r = h * t + i;
        for (int j = 0; j < tk; j++) {
          scores[j] = kIndex[j] > qi || kSegment[j] != qs ? Float.NEGATIVE_INFINITY : scale * Simd.dot(q, qo, k, j * hk + g * hd, hd);
        }
        float mOld = m[r], mNew = Math.max(mOld, Simd.max(scores, 0, tk));
        if (mNew == Float.NEGATIVE_INFINITY) continue; // every key closed so far: P = 0
        float sum = Simd.expShifted(scores, 0, tk, mNew);
        float alpha = mOld == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(mOld - mNew);
        l[r] = l[r] * alpha + sum;
        m[r] = mNew;
        if (alpha != 1f) for (int d = 0; d < hd; d++) out[qo + d] *= alpha;
        // O_h += P V_g, one open key at a time
        for (int j = 0; j < tk; j++) {
          if (scores[j] != 0f) Simd.axpy(scores[j], v, j * hk + g * hd, out, qo, hd);
        }
      }
    }
    Chunks qChunks = new Chunks(qIndex, qSegment, t, a.queryChunk()), kChunks = new Chunks(kIndex, kSegment, tk, a.keyChunk());
    long computed = 0, skipped = 0;
    for (int qc = 0; qc < qChunks.n; qc++) {
      for (int kc = 0; kc < kChunks.n; kc++) {
        if (Chunks.empty(qChunks, qc, kChunks, kc)) skipped++;
        else computed++;
      }
    }
    return new long[] {computed, skipped};
  }

  void forwardEnd(AttentionShape a, int t, float[] m, float[] l, float[] out, float[] lse) {
    int heads = a.heads(), hd = a.headDim(), hdq = heads * hd;
    for (int h = 0; h < heads; h++) {
      for (int i = 0; i < t; i++) {
        int row = h * t + i;
        float inv = 1f / l[row];
        int oo = i * hdq + h * hd;
        for (int d = 0; d < hd; d++) out[oo + d] *= inv;
        lse[row] = m[row] + (float) Math.log(l[row]);
      }
    }
  }

  void backwardBegin(AttentionShape a, int t, float[] out, float[] dOut, float[] rowDot, float[] dq) {
    int heads = a.heads(), hd = a.headDim(), hdq = heads * hd;
    for (int i = 0; i < t; i++) {
      for (int h = 0; h < heads; h++) {
        int o = i * hdq + h * hd;
        float acc = 0;
        for (int d = 0; d < hd; d++) acc += dOut[o + d] * out[o + d];
        rowDot[h * t + i] = acc;
      }
    }
    Arrays.fill(dq, 0, t * hdq, 0f);
  }

  void backward(AttentionShape a, float[] q, int[] qIndex, int[] qSegment, int t, float[] k, float[] v, int[] kIndex,
      int[] kSegment, int tk, float[] lse, float[] rowDot, float[] dOut, float[] dq, float[] dk, float[] dv) {
    int heads = a.heads(), kvHeads = a.kvHeads(), hd = a.headDim(), group = a.group();
    float scale = a.scale();
    Chunks qChunks = new Chunks(qIndex, qSegment, t, a.queryChunk()), kChunks = new Chunks(kIndex, kSegment, tk, a.keyChunk());
    Workspace w = Workspace.get();
    FloatBuffer qh = w.packed(0, q, t, heads, hd), kh = w.packed(1, k, tk, kvHeads, hd), vh = w.packed(2, v, tk, kvHeads, hd);
    FloatBuffer doh = w.packed(3, dOut, t, heads, hd), dqh = w.packed(4, dq, t, heads, hd);
    FloatBuffer dkh = w.packed(5, dk, tk, kvHeads, hd), dvh = w.packed(6, dv, tk, kvHeads, hd);
    FloatBuffer p = w.tile(0, a.queryChunk() * a.keyChunk()), dp = w.tile(1, a.queryChunk() * a.keyChunk());
    float[] prow = w.row(0, a.keyChunk()), dprow = w.row(1, a.keyChunk());
    for (int qc = 0; qc < qChunks.n; qc++) {
      for (int kc = 0; kc < kChunks.n; kc++) {
        if (Chunks.empty(qChunks, qc, kChunks, kc)) continue;
        boolean masked = !Chunks.full(qChunks, qc, kChunks, kc);
        int q0 = qChunks.lo(qc), cq = qChunks.hi(qc) - q0, k0 = kChunks.lo(kc), ck = kChunks.hi(kc) - k0;
        for (int h = 0; h < heads; h++) {
          int g = h / group;
          FloatBuffer qt = head(qh, h, t, q0, cq, hd), dot = head(doh, h, t, q0, cq, hd), dqt = head(dqh, h, t, q0, cq, hd);
          FloatBuffer kt = head(kh, g, tk, k0, ck, hd), vt = head(vh, g, tk, k0, ck, hd);
          FloatBuffer dkt = head(dkh, g, tk, k0, ck, hd), dvt = head(dvh, g, tk, k0, ck, hd);
          // forward was: P = exp(scale·Q Kᵀ − lse) on open entries; forward: O = P V, so dP = dO Vᵀ
          gemm.sgemm(false, true, cq, ck, hd, scale, qt, hd, kt, hd, 0f, p, ck);
          gemm.sgemm(false, true, cq, ck, hd, 1f, dot, hd, vt, hd, 0f, dp, ck);
          // softmax: dS = P ∘ (dP − D_i), into dp
          for (int i = 0; i < cq; i++) {
            int r = h * t + q0 + i, so = i * ck;
            p.get(so, prow, 0, ck);
            if (masked) mask(prow, ck, qIndex[q0 + i], qSegment[q0 + i], kIndex, kSegment, k0);
            Simd.expShiftedInPlace(prow, 0, ck, lse[r]);
            p.put(so, prow, 0, ck);
            dp.get(so, dprow, 0, ck);
            float di = rowDot[r];
            for (int j = 0; j < ck; j++) dprow[j] = prow[j] * (dprow[j] - di);
            dp.put(so, dprow, 0, ck);
          }
          // dV += Pᵀ dO; S = scale·Q Kᵀ, so dQ += scale·dS K and dK += scale·dSᵀ Q
          gemm.sgemm(true, false, ck, hd, cq, 1f, p, ck, dot, hd, 1f, dvt, hd);
          gemm.sgemm(false, false, cq, hd, ck, scale, dp, ck, kt, hd, 1f, dqt, hd);
          gemm.sgemm(true, false, ck, hd, cq, scale, dp, ck, qt, hd, 1f, dkt, hd);
        }
      }
    }
    w.unpack(dqh, dq, t, heads, hd);
    w.unpack(dkh, dk, tk, kvHeads, hd);
    w.unpack(dvh, dv, tk, kvHeads, hd);
  }

  /** Head h's rows [r0, r0+rows) of a packed [heads][T][hd] buffer, as a buffer read from position 0. */
  private static FloatBuffer head(FloatBuffer packed, int h, int t, int r0, int rows, int hd) {
    return packed.slice((h * t + r0) * hd, rows * hd);
  }

  /**
   * Per-thread direct buffers: operands packed head by head ([heads][T][hd], each head's rows contiguous), so the
   * tiles' products run on OpenBLAS with no copy per call, and score tiles that stay where the products write them.
   */
  private static final class Workspace {
    private static final ThreadLocal<Workspace> LOCAL = ThreadLocal.withInitial(Workspace::new);
    private final FloatBuffer[] packed = new FloatBuffer[7], tiles = new FloatBuffer[2];
    private final ByteBuffer[] tileBytes = new ByteBuffer[2];
    private final float[][] rows = new float[2][];

    static Workspace get() {
      return LOCAL.get();
    }

    /** x [T, heads·hd] into packed buffer {@code which} as [heads][T][hd]. */
    FloatBuffer packed(int which, float[] x, int t, int heads, int hd) {
      FloatBuffer b = packed[which] = grown(packed[which], t * heads * hd);
      for (int h = 0; h < heads; h++) {
        for (int i = 0; i < t; i++) b.put((h * t + i) * hd, x, i * heads * hd + h * hd, hd);
      }
      return b;
    }

    /** The inverse of {@link #packed}: back into x [T, heads·hd]. */
    void unpack(FloatBuffer b, float[] x, int t, int heads, int hd) {
      for (int h = 0; h < heads; h++) {
        for (int i = 0; i < t; i++) b.get((h * t + i) * hd, x, i * heads * hd + h * hd, hd);
      }
    }

    FloatBuffer tile(int which, int floats) {
      if (tiles[which] == null || tiles[which].capacity() < floats) {
        tileBytes[which] = ByteBuffer.allocateDirect(Math.multiplyExact(floats, 4)).order(ByteOrder.nativeOrder());
        tiles[which] = tileBytes[which].asFloatBuffer();
      }
      return tiles[which];
    }

    /** The bytes behind {@link #tile}'s buffer {@code which}, for {@code Simd}'s in-place loops. */
    ByteBuffer tileBytes(int which) {
      return tileBytes[which];
    }

    float[] row(int which, int floats) {
      if (rows[which] == null || rows[which].length < floats) rows[which] = new float[floats];
      return rows[which];
    }

    private static FloatBuffer grown(FloatBuffer b, int floats) {
      return b != null && b.capacity() >= floats ? b : Gemm.allocate(floats);
    }
  }

  /** Sets the closed entries of one score row to −∞: a key must not come after the query and must share its segment. */
  static void mask(float[] row, int ck, int qi, int qs, int[] kIndex, int[] kSeg, int k0) {
    for (int j = 0; j < ck; j++) {
      if (kIndex[k0 + j] > qi || kSeg[k0 + j] != qs) row[j] = Float.NEGATIVE_INFINITY;
    }
  }
}
