package org.lwm.trainer.ring;

import org.lwm.trainer.backend.AttentionShape;
import org.lwm.trainer.backend.Backend;

/**
 * Exact causal, segment-masked attention for one sequence-parallel worker (DESIGN §7): the ring's part. The worker
 * keeps its queries; key/value blocks of every worker pass around the ring, and the {@link Backend} attends to
 * each arriving block tile by tile with an online softmax (running max m and sum l per query and head), so no T×T
 * matrix ever exists. Masking uses the row index and segment id carried by each position, so the layout
 * (contiguous or zigzag) only decides which positions a worker holds.
 *
 * <p>Shapes: T positions per worker, H query heads and KV key/value heads of hd (query head h reads kv head
 * h / (H/KV)); q [T, H·hd], k and v [T, KV·hd], out [T, H·hd], lse [H, T] = m + log l.
 *
 * <p>Backward (FlashAttention-2 recurrences): the same ring again, P recomputed from the forward's lse; dQ
 * stays local, dK/dV accumulators travel with their blocks and arrive home after a full turn.
 */
public final class RingAttention {
  private final AttentionShape shape;
  private final Backend backend;
  private long tilesComputed, tilesSkipped;

  public RingAttention(int heads, int kvHeads, int headDim, int queryChunk, int keyChunk) {
    this(new AttentionShape(heads, kvHeads, headDim, queryChunk, keyChunk), Backend.cpu());
  }

  public RingAttention(AttentionShape shape, Backend backend) {
    this.shape = shape;
    this.backend = backend;
  }

  public long tilesComputed() {
    return tilesComputed;
  }

  public long tilesSkipped() {
    return tilesSkipped;
  }

  /** Forward over the ring; fills out [T, H·hd] and lse [H·T]. */
  public void forward(Transport ring, float[] q, float[] k, float[] v, int[] index, int[] segment, int t,
      float[] out, float[] lse) throws InterruptedException {
    int heads = shape.heads();
    float[] m = new float[heads * t], l = new float[heads * t];
    backend.attentionForwardBegin(shape, t, m, l, out);
    KvBlock block = new KvBlock(ring.rank(), k, v, index, segment, null, null);
    for (int step = 0; step < ring.size(); step++) {
      // send first, then compute: the block travels to the next worker while this one attends to it
      if (step + 1 < ring.size()) ring.sendNext(block);
      long[] tiles = backend.attentionForward(shape, q, index, segment, t, block.k(), block.v(), block.index(),
          block.segment(), t, m, l, out);
      tilesComputed += tiles[0];
      tilesSkipped += tiles[1];
      if (step + 1 < ring.size()) block = ring.receivePrevious();
    }
    backend.attentionForwardEnd(shape, t, m, l, out, lse);
  }

  /**
   * Backward over the ring. Given the forward's out and lse and dOut, writes dq [T, H·hd] and this worker's
   * dk, dv [T, KV·hd] (complete: every worker's contribution, collected as the block went round).
   */
  public void backward(Transport ring, float[] q, float[] k, float[] v, int[] index, int[] segment, int t,
      float[] out, float[] lse, float[] dOut, float[] dq, float[] dk, float[] dv) throws InterruptedException {
    int hdk = shape.kvHeads() * shape.headDim();
    float[] rowDot = new float[shape.heads() * t];
    backend.attentionBackwardBegin(shape, t, out, dOut, rowDot, dq);
    KvBlock block = new KvBlock(ring.rank(), k, v, index, segment, new float[t * hdk], new float[t * hdk]);
    for (int step = 0; step < ring.size(); step++) {
      backend.attentionBackward(shape, q, index, segment, t, block.k(), block.v(), block.index(), block.segment(), t,
          lse, rowDot, dOut, dq, block.dk(), block.dv());
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
}
