package org.lwm.trainer.ring;

import java.util.Arrays;
import org.lwm.trainer.model.Gemm;

/**
 * Exact causal, segment-masked attention for one sequence-parallel worker (DESIGN §7). The worker keeps its
 * queries; key/value blocks of every worker pass around the ring, and each arriving block is attended
 * blockwise (query chunk × key chunk) with an online softmax (running max m and sum l per query and head),
 * so no T×T matrix ever exists. A tile is skipped when the mask makes it empty: all its keys come after all
 * its queries, or their segment ranges do not meet. Masking uses the row index and segment id carried by each
 * position, so the layout (contiguous or zigzag) only decides which positions a worker holds.
 *
 * <p>Shapes: T positions per worker, H query heads and KV key/value heads of hd (query head h reads kv head
 * h / (H/KV)); q [T, H·hd], k and v [T, KV·hd], out [T, H·hd], lse [H, T] = m + log l.
 *
 * <p>Backward (FlashAttention-2 recurrences): the same ring again, P recomputed from the forward's lse; dQ
 * stays local, dK/dV accumulators travel with their blocks and arrive home after a full turn.
 */
public final class RingAttention {
  private final int heads, kvHeads, hd, queryChunk, keyChunk;
  private final float scale;
  private long tilesComputed, tilesSkipped;

  public RingAttention(int heads, int kvHeads, int headDim, int queryChunk, int keyChunk) {
    this.heads = heads;
    this.kvHeads = kvHeads;
    this.hd = headDim;
    this.queryChunk = queryChunk;
    this.keyChunk = keyChunk;
    this.scale = (float) (1.0 / Math.sqrt(headDim));
  }

  public long tilesComputed() {
    return tilesComputed;
  }

  public long tilesSkipped() {
    return tilesSkipped;
  }

  /** Which tiles of queries × keys the mask leaves (partly) open, by chunk ranges of index and segment. */
  private static final class Chunks {
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
  }

  private static boolean empty(Chunks q, int qc, Chunks k, int kc) {
    return k.minIdx[kc] > q.maxIdx[qc] || k.maxSeg[kc] < q.minSeg[qc] || k.minSeg[kc] > q.maxSeg[qc];
  }

  /** True when every key of the tile precedes every query and all share one segment: no mask to apply. */
  private static boolean full(Chunks q, int qc, Chunks k, int kc) {
    return k.maxIdx[kc] <= q.minIdx[qc] && q.minSeg[qc] == q.maxSeg[qc] && k.minSeg[kc] == k.maxSeg[kc]
        && q.minSeg[qc] == k.minSeg[kc];
  }

  /** Forward over the ring; fills out [T, H·hd] and lse [H·T]. */
  public void forward(Transport ring, float[] q, float[] k, float[] v, int[] index, int[] segment, int t,
      float[] out, float[] lse) throws InterruptedException {
    int hdq = heads * hd, hdk = kvHeads * hd, group = heads / kvHeads;
    Chunks qChunks = new Chunks(index, segment, t, queryChunk);
    float[] m = new float[heads * t], l = new float[heads * t];
    Arrays.fill(m, Float.NEGATIVE_INFINITY);
    Arrays.fill(out, 0, t * hdq, 0f);
    float[] s = new float[queryChunk * keyChunk];
    KvBlock block = new KvBlock(ring.rank(), k, v, index, segment, null, null);
    for (int step = 0; step < ring.size(); step++) {
      // send first, then compute: the block travels to the next worker while this one attends to it
      if (step + 1 < ring.size()) ring.sendNext(block);
      Chunks kChunks = new Chunks(block.index(), block.segment(), t, keyChunk);
      for (int qc = 0; qc < qChunks.n; qc++) {
        for (int kc = 0; kc < kChunks.n; kc++) {
          if (empty(qChunks, qc, kChunks, kc)) {
            tilesSkipped++;
            continue;
          }
          tilesComputed++;
          boolean masked = !full(qChunks, qc, kChunks, kc);
          int q0 = qChunks.lo(qc), cq = qChunks.hi(qc) - q0, k0 = kChunks.lo(kc), ck = kChunks.hi(kc) - k0;
          for (int h = 0; h < heads; h++) {
            int g = h / group;
            // S = scale · Q_h Kᵀ_g over the tile
            Gemm.sgemm(false, true, cq, ck, hd, scale, q, q0 * hdq + h * hd, hdq, block.k(), k0 * hdk + g * hd, hdk,
                0f, s, 0, ck);
            if (masked) mask(s, cq, ck, index, segment, q0, block.index(), block.segment(), k0);
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
            Gemm.sgemm(false, false, cq, hd, ck, 1f, s, 0, ck, block.v(), k0 * hdk + g * hd, hdk, 1f, out,
                q0 * hdq + h * hd, hdq);
          }
        }
      }
      if (step + 1 < ring.size()) block = ring.receivePrevious();
    }
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

  /**
   * Backward over the ring. Given the forward's out and lse and dOut, writes dq [T, H·hd] and this worker's
   * dk, dv [T, KV·hd] (complete: every worker's contribution, collected as the block went round).
   */
  public void backward(Transport ring, float[] q, float[] k, float[] v, int[] index, int[] segment, int t,
      float[] out, float[] lse, float[] dOut, float[] dq, float[] dk, float[] dv) throws InterruptedException {
    int hdq = heads * hd, hdk = kvHeads * hd, group = heads / kvHeads;
    Chunks qChunks = new Chunks(index, segment, t, queryChunk);
    // D_i = Σ_d dO_i·O_i per head: the softmax backward's row term
    float[] rowDot = new float[heads * t];
    for (int i = 0; i < t; i++) {
      for (int h = 0; h < heads; h++) {
        int o = i * hdq + h * hd;
        float acc = 0;
        for (int d = 0; d < hd; d++) acc += dOut[o + d] * out[o + d];
        rowDot[h * t + i] = acc;
      }
    }
    Arrays.fill(dq, 0, t * hdq, 0f);
    float[] p = new float[queryChunk * keyChunk], dp = new float[queryChunk * keyChunk];
    KvBlock block = new KvBlock(ring.rank(), k, v, index, segment, new float[t * hdk], new float[t * hdk]);
    for (int step = 0; step < ring.size(); step++) {
      Chunks kChunks = new Chunks(block.index(), block.segment(), t, keyChunk);
      for (int qc = 0; qc < qChunks.n; qc++) {
        for (int kc = 0; kc < kChunks.n; kc++) {
          if (empty(qChunks, qc, kChunks, kc)) continue;
          boolean masked = !full(qChunks, qc, kChunks, kc);
          int q0 = qChunks.lo(qc), cq = qChunks.hi(qc) - q0, k0 = kChunks.lo(kc), ck = kChunks.hi(kc) - k0;
          for (int h = 0; h < heads; h++) {
            int g = h / group, qo = q0 * hdq + h * hd, ko = k0 * hdk + g * hd;
            // forward was: P = exp(scale·Q Kᵀ − lse) on open entries
            Gemm.sgemm(false, true, cq, ck, hd, scale, q, qo, hdq, block.k(), ko, hdk, 0f, p, 0, ck);
            if (masked) mask(p, cq, ck, index, segment, q0, block.index(), block.segment(), k0);
            for (int i = 0; i < cq; i++) {
              float lsei = lse[h * t + q0 + i];
              int so = i * ck;
              for (int j = 0; j < ck; j++) p[so + j] = (float) Math.exp(p[so + j] - lsei);
            }
            // forward: O = P V, so dV += Pᵀ dO and dP = dO Vᵀ
            Gemm.sgemm(true, false, ck, hd, cq, 1f, p, 0, ck, dOut, qo, hdq, 1f, block.dv(), ko, hdk);
            Gemm.sgemm(false, true, cq, ck, hd, 1f, dOut, qo, hdq, block.v(), ko, hdk, 0f, dp, 0, ck);
            // softmax: dS = P ∘ (dP − D_i)
            for (int i = 0; i < cq; i++) {
              float di = rowDot[h * t + q0 + i];
              int so = i * ck;
              for (int j = 0; j < ck; j++) dp[so + j] = p[so + j] * (dp[so + j] - di);
            }
            // S = scale·Q Kᵀ, so dQ += scale·dS K and dK += scale·dSᵀ Q
            Gemm.sgemm(false, false, cq, hd, ck, scale, dp, 0, ck, block.k(), ko, hdk, 1f, dq, qo, hdq);
            Gemm.sgemm(true, false, ck, hd, cq, scale, dp, 0, ck, q, qo, hdq, 1f, block.dk(), ko, hdk);
          }
        }
      }
      // the dK/dV accumulators travel with the block, so it moves on only after this worker added to them;
      // the transport receives the next block meanwhile. The last move brings each home with all contributions.
      ring.sendNext(block);
      block = ring.receivePrevious();
    }
    if (block.owner() != ring.rank()) {
      throw new IllegalStateException("ring backward: worker " + ring.rank() + " got block " + block.owner() + " back");
    }
    System.arraycopy(block.dk(), 0, dk, 0, t * hdk);
    System.arraycopy(block.dv(), 0, dv, 0, t * hdk);
  }

  /** Sets closed entries of a score tile to −∞: a key must not come after the query and must share its segment. */
  private static void mask(float[] s, int cq, int ck, int[] qIndex, int[] qSeg, int q0, int[] kIndex, int[] kSeg, int k0) {
    for (int i = 0; i < cq; i++) {
      int qi = qIndex[q0 + i], qs = qSeg[q0 + i], so = i * ck;
      for (int j = 0; j < ck; j++) {
        if (kIndex[k0 + j] > qi || kSeg[k0 + j] != qs) s[so + j] = Float.NEGATIVE_INFINITY;
      }
    }
  }
}
