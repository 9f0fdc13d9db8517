package org.lwm.core.records;

/**
 * How a row of length L is cut into {@code sp} sequence-parallel shards (DESIGN §7). CONTIGUOUS: shard r
 * holds positions [r·L/sp, (r+1)·L/sp). ZIGZAG: the row is cut into 2·sp equal chunks and shard r holds
 * chunks r and 2·sp−1−r, which balances causal attention work across the ring. Used by the packed-row
 * reader (to hand each worker its shard) and by the trainer (to map shard positions back to the row).
 */
public enum SequenceLayout {
  CONTIGUOUS,
  ZIGZAG;

  /** Parses "contiguous" or "zigzag" (any case), naming the value on error. */
  public static SequenceLayout parse(String name) {
    for (SequenceLayout l : values()) if (l.name().equalsIgnoreCase(name)) return l;
    throw new IllegalArgumentException("unknown sequence layout '" + name + "': use contiguous or zigzag");
  }

  /** Checks that L splits evenly for this layout and sp, with a message saying what to change. */
  public void check(int length, int sp) {
    int parts = this == ZIGZAG ? 2 * sp : sp;
    if (sp < 1 || length % parts != 0) {
      throw new IllegalArgumentException("sequence length " + length + " does not split into " + parts + " equal "
          + name().toLowerCase() + " chunks for sp=" + sp + ": use a length divisible by " + parts);
    }
  }

  /** The row positions shard {@code rank} holds, in the order the shard stores them (ascending). */
  public int[] positions(int length, int sp, int rank) {
    check(length, sp);
    int shard = length / sp;
    int[] p = new int[shard];
    if (this == CONTIGUOUS) {
      for (int i = 0; i < shard; i++) p[i] = rank * shard + i;
    } else {
      int chunk = length / (2 * sp);
      int first = rank * chunk;
      int second = (2 * sp - 1 - rank) * chunk;
      for (int i = 0; i < chunk; i++) {
        p[i] = first + i;
        p[chunk + i] = second + i;
      }
    }
    return p;
  }

  /** Gathers the shard of {@code rank} from a full row column. */
  public int[] shard(int[] row, int sp, int rank) {
    int[] pos = positions(row.length, sp, rank);
    int[] out = new int[pos.length];
    for (int i = 0; i < pos.length; i++) out[i] = row[pos[i]];
    return out;
  }

  public float[] shard(float[] row, int sp, int rank) {
    int[] pos = positions(row.length, sp, rank);
    float[] out = new float[pos.length];
    for (int i = 0; i < pos.length; i++) out[i] = row[pos[i]];
    return out;
  }

  public boolean[] shard(boolean[] row, int sp, int rank) {
    int[] pos = positions(row.length, sp, rank);
    boolean[] out = new boolean[pos.length];
    for (int i = 0; i < pos.length; i++) out[i] = row[pos[i]];
    return out;
  }

  /** The shard of {@code rank} of every column of a packed row (seq id and example ids kept). */
  public PackedRow shard(PackedRow r, int sp, int rank) {
    return new PackedRow(r.seqId(), shard(r.inputIds(), sp, rank), shard(r.targetIds(), sp, rank),
        shard(r.lossWeight(), sp, rank), shard(r.inputVision(), sp, rank), shard(r.targetVision(), sp, rank),
        shard(r.segmentIds(), sp, rank), shard(r.positionIds(), sp, rank), r.exampleIds());
  }
}
