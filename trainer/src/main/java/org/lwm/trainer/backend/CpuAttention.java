package org.lwm.trainer.backend;

import java.util.Arrays;
import org.lwm.core.numeric.Gemm;

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
    int heads = a.heads(), hd = a.headDim(), hdq = heads * hd, hdk = a.kvHeads() * hd, group = a.group();
    float scale = a.scale();
    Chunks qChunks = new Chunks(qIndex, qSegment, t, a.queryChunk()), kChunks = new Chunks(kIndex, kSegment, tk, a.keyChunk());
    float[] s = new float[a.queryChunk() * a.keyChunk()];
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
          // S = scale · Q_h Kᵀ_g over the tile
          gemm.sgemm(false, true, cq, ck, hd, scale, q, q0 * hdq + h * hd, hdq, k, k0 * hdk + g * hd, hdk, 0f, s, 0, ck);
          if (masked) mask(s, cq, ck, qIndex, qSegment, q0, kIndex, kSegment, k0);
          for (int i = 0; i < cq; i++) {
            int row = h * t + q0 + i, so = i * ck;
            float rowMax = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < ck; j++) rowMax = Math.max(rowMax, s[so + j]);
            float mOld = m[row], mNew = Math.max(mOld, rowMax);
            if (mNew == Float.NEGATIVE_INFINITY) {
              Arrays.fill(s, so, so + ck, 0f);
              continue;
            }
            float sum = 0;
            for (int j = 0; j < ck; j++) {
              float p = (float) Math.exp(s[so + j] - mNew);
              s[so + j] = p;
              sum += p;
            }
            float alpha = mOld == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(mOld - mNew);
            l[row] = l[row] * alpha + sum;
            m[row] = mNew;
            if (alpha != 1f) {
              int oo = (q0 + i) * hdq + h * hd;
              for (int d = 0; d < hd; d++) out[oo + d] *= alpha;
            }
          }
          // O_h += P V_g
          gemm.sgemm(false, false, cq, hd, ck, 1f, s, 0, ck, v, k0 * hdk + g * hd, hdk, 1f, out, q0 * hdq + h * hd, hdq);
        }
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
    int heads = a.heads(), hd = a.headDim(), hdq = heads * hd, hdk = a.kvHeads() * hd, group = a.group();
    float scale = a.scale();
    Chunks qChunks = new Chunks(qIndex, qSegment, t, a.queryChunk()), kChunks = new Chunks(kIndex, kSegment, tk, a.keyChunk());
    float[] p = new float[a.queryChunk() * a.keyChunk()], dp = new float[a.queryChunk() * a.keyChunk()];
    for (int qc = 0; qc < qChunks.n; qc++) {
      for (int kc = 0; kc < kChunks.n; kc++) {
        if (Chunks.empty(qChunks, qc, kChunks, kc)) continue;
        boolean masked = !Chunks.full(qChunks, qc, kChunks, kc);
        int q0 = qChunks.lo(qc), cq = qChunks.hi(qc) - q0, k0 = kChunks.lo(kc), ck = kChunks.hi(kc) - k0;
        for (int h = 0; h < heads; h++) {
          int g = h / group, qo = q0 * hdq + h * hd, ko = k0 * hdk + g * hd;
          // forward was: P = exp(scale·Q Kᵀ − lse) on open entries
          gemm.sgemm(false, true, cq, ck, hd, scale, q, qo, hdq, k, ko, hdk, 0f, p, 0, ck);
          if (masked) mask(p, cq, ck, qIndex, qSegment, q0, kIndex, kSegment, k0);
          for (int i = 0; i < cq; i++) {
            float lsei = lse[h * t + q0 + i];
            int so = i * ck;
            for (int j = 0; j < ck; j++) p[so + j] = (float) Math.exp(p[so + j] - lsei);
          }
          // forward: O = P V, so dV += Pᵀ dO and dP = dO Vᵀ
          gemm.sgemm(true, false, ck, hd, cq, 1f, p, 0, ck, dOut, qo, hdq, 1f, dv, ko, hdk);
          gemm.sgemm(false, true, cq, ck, hd, 1f, dOut, qo, hdq, v, ko, hdk, 0f, dp, 0, ck);
          // softmax: dS = P ∘ (dP − D_i)
          for (int i = 0; i < cq; i++) {
            float di = rowDot[h * t + q0 + i];
            int so = i * ck;
            for (int j = 0; j < ck; j++) dp[so + j] = p[so + j] * (dp[so + j] - di);
          }
          // S = scale·Q Kᵀ, so dQ += scale·dS K and dK += scale·dSᵀ Q
          gemm.sgemm(false, false, cq, hd, ck, scale, dp, 0, ck, k, ko, hdk, 1f, dq, qo, hdq);
          gemm.sgemm(true, false, ck, hd, cq, scale, dp, 0, ck, q, qo, hdq, 1f, dk, ko, hdk);
        }
      }
    }
  }

  /** Sets closed entries of a score tile to −∞: a key must not come after the query and must share its segment. */
  static void mask(float[] s, int cq, int ck, int[] qIndex, int[] qSeg, int q0, int[] kIndex, int[] kSeg, int k0) {
    for (int i = 0; i < cq; i++) {
      int qi = qIndex[q0 + i], qs = qSeg[q0 + i], so = i * ck;
      for (int j = 0; j < ck; j++) {
        if (kIndex[k0 + j] > qi || kSeg[k0 + j] != qs) s[so + j] = Float.NEGATIVE_INFINITY;
      }
    }
  }
}
