package org.lwm.packing.read;

import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import org.lwm.core.records.PackedRow;
import org.lwm.core.records.SequenceLayout;

/**
 * The trainer's reader over one stage's packed rows (held, or fetched a row at a time from a
 * {@link PackedRowSource}): an endless sequence of epochs, each a seeded permutation of the rows (by seq_id order, so the table's file layout does not matter), dealt to data-parallel ranks in turn:
 * global step s of an epoch gives rank r the row at permutation[s·dp + r]. An epoch has ⌊N/dp⌋ steps, so every
 * rank takes the same number of rows (the last N mod dp rows of the permutation wait for the next epoch's
 * shuffle). The {@link Cursor} (seed, epoch, step) is the same on every rank: saved with a checkpoint and
 * restored, the reader continues with exactly the rows it would have given.
 *
 * <p>Each row can be cut into {@code sp} sequence-parallel shards in the contiguous or zigzag layout
 * ({@link SequenceLayout}), shard r for ring worker r.
 */
public final class PackedReader implements Iterator<PackedRow> {

  /** Where a reader is: the seed, the epoch, and the global step inside the epoch. */
  public record Cursor(long seed, long epoch, long step) {
    public String encode() {
      return "seed=" + seed + ",epoch=" + epoch + ",step=" + step;
    }

    public static Cursor parse(String s) {
      long seed = 0, epoch = 0, step = 0;
      boolean[] seen = new boolean[3];
      for (String part : s.trim().split(",")) {
        String[] kv = part.split("=", 2);
        if (kv.length != 2) throw new IllegalArgumentException("reader cursor '" + s + "' is not seed=S,epoch=E,step=K");
        long v;
        try {
          v = Long.parseLong(kv[1].trim());
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("reader cursor '" + s + "': '" + kv[1] + "' is not a number");
        }
        switch (kv[0].trim()) {
          case "seed" -> { seed = v; seen[0] = true; }
          case "epoch" -> { epoch = v; seen[1] = true; }
          case "step" -> { step = v; seen[2] = true; }
          default -> throw new IllegalArgumentException("reader cursor '" + s + "': unknown key '" + kv[0] + "'");
        }
      }
      if (!seen[0] || !seen[1] || !seen[2]) throw new IllegalArgumentException("reader cursor '" + s + "' is not seed=S,epoch=E,step=K");
      return new Cursor(seed, epoch, step);
    }
  }

  private final PackedRowSource rows;
  private final int dpRank;
  private final int dpSize;
  private long seed;
  private long epoch;
  private long step;
  private int[] order;

  /**
   * @param rows one stage's rows, any order (sorted here by seq_id)
   * @param seed the shuffle seed
   * @param dpRank this rank, 0 ≤ dpRank &lt; dpSize
   * @param dpSize the number of data-parallel ranks
   */
  public PackedReader(List<PackedRow> rows, long seed, int dpRank, int dpSize) {
    this(PackedRowSource.of(rows), seed, dpRank, dpSize);
  }

  /** Over rows fetched one at a time (a {@link PackedRowFile}: bounded memory), in the source's seq_id order. */
  public PackedReader(PackedRowSource rows, long seed, int dpRank, int dpSize) {
    if (dpSize < 1 || dpRank < 0 || dpRank >= dpSize) {
      throw new IllegalArgumentException("data-parallel rank " + dpRank + " of " + dpSize + ": need 0 ≤ rank < size");
    }
    if (rows.size() < dpSize) {
      throw new IllegalArgumentException("the stage has " + rows.size() + " packed rows, fewer than the " + dpSize
          + " data-parallel ranks: pack more data or use fewer ranks");
    }
    this.rows = rows;
    this.dpRank = dpRank;
    this.dpSize = dpSize;
    this.seed = seed;
  }

  public int rowCount() {
    return rows.size();
  }

  /** Global steps in one epoch (rows per rank per epoch). */
  public long stepsPerEpoch() {
    return rows.size() / dpSize;
  }

  public Cursor cursor() {
    return new Cursor(seed, epoch, step);
  }

  /** Continues from a saved cursor (its seed included). */
  public void restore(Cursor c) {
    if (c.step() < 0 || c.step() > stepsPerEpoch() || c.epoch() < 0) {
      throw new IllegalArgumentException("reader cursor " + c.encode() + " does not fit this stage (" + stepsPerEpoch()
          + " steps per epoch over " + rows.size() + " rows): was it saved for another stage or rank count?");
    }
    if (c.seed() != seed || c.epoch() != epoch) order = null;
    seed = c.seed();
    epoch = c.epoch();
    step = c.step();
  }

  @Override
  public boolean hasNext() {
    return true;
  }

  /** This rank's next row. */
  @Override
  public PackedRow next() {
    if (step >= stepsPerEpoch()) {
      epoch++;
      step = 0;
      order = null;
    }
    if (order == null) order = permutation(rows.size(), seed, epoch);
    PackedRow r = rows.row(order[(int) (step * dpSize + dpRank)]);
    step++;
    return r;
  }

  /** This rank's next row cut into {@code sp} shards: element r is ring worker r's shard. */
  public PackedRow[] nextShards(int sp, SequenceLayout layout) {
    return shards(next(), sp, layout);
  }

  public static PackedRow[] shards(PackedRow row, int sp, SequenceLayout layout) {
    layout.check(row.length(), sp);
    PackedRow[] out = new PackedRow[sp];
    for (int r = 0; r < sp; r++) out[r] = layout.shard(row, sp, r);
    return out;
  }

  /** The epoch's order: a Fisher–Yates shuffle seeded by (seed, epoch). */
  static int[] permutation(int n, long seed, long epoch) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) p[i] = i;
    SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
