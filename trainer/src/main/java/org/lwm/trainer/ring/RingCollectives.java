package org.lwm.trainer.ring;

import java.util.Arrays;

/**
 * Sums over a ring built only from {@link Transport#sendNext} and {@link Transport#receivePrevious}, so threads and
 * TCP run the same additions in the same order and give the same bits. Vectors: ring all-reduce, a reduce-scatter
 * then an all-gather of n chunks, so each worker sends 2·(n−1)/n of the vector rather than all of it to one place.
 * Scalars (doubles): every value goes round once and each worker adds them in rank order.
 */
public final class RingCollectives {
  private RingCollectives() {}

  private static int lo(int n, int size, int c) {
    return (int) ((long) n * c / size);
  }

  /** In place: {@code data} becomes the element-wise sum over the ring. */
  public static void sum(Transport t, float[] data) throws InterruptedException {
    int size = t.size(), rank = t.rank(), n = data.length;
    if (size == 1) return;
    // reduce-scatter: after size−1 steps worker r holds the full sum of chunk (r+1) mod size
    for (int s = 0; s < size - 1; s++) {
      int send = Math.floorMod(rank - s, size), recv = Math.floorMod(rank - s - 1, size);
      t.sendNext(chunk(data, lo(n, size, send), lo(n, size, send + 1)));
      float[] in = t.receivePrevious().k();
      int off = lo(n, size, recv);
      for (int i = 0; i < in.length; i++) data[off + i] += in[i];
    }
    // all-gather: the finished chunks go round once more
    for (int s = 0; s < size - 1; s++) {
      int send = Math.floorMod(rank + 1 - s, size), recv = Math.floorMod(rank - s, size);
      t.sendNext(chunk(data, lo(n, size, send), lo(n, size, send + 1)));
      float[] in = t.receivePrevious().k();
      System.arraycopy(in, 0, data, lo(n, size, recv), in.length);
    }
  }

  private static KvBlock chunk(float[] data, int from, int to) {
    return new KvBlock(-1, Arrays.copyOfRange(data, from, to), null, null, null, null, null);
  }

  /** In place: each element becomes its sum over the ring, added in rank order 0…n−1 on every worker. */
  public static void sum(Transport t, double[] values) throws InterruptedException {
    int size = t.size(), rank = t.rank(), n = values.length;
    if (size == 1) return;
    double[][] all = new double[size][];
    all[rank] = values.clone();
    int[] bits = new int[2 * n];
    for (int i = 0; i < n; i++) {
      long b = Double.doubleToRawLongBits(values[i]);
      bits[2 * i] = (int) (b >>> 32);
      bits[2 * i + 1] = (int) b;
    }
    KvBlock mine = new KvBlock(rank, null, null, bits, null, null, null), block = mine;
    for (int s = 0; s < size - 1; s++) {
      t.sendNext(block);
      block = t.receivePrevious();
      double[] v = new double[n];
      for (int i = 0; i < n; i++) {
        v[i] = Double.longBitsToDouble(((long) block.index()[2 * i] << 32) | (block.index()[2 * i + 1] & 0xFFFFFFFFL));
      }
      all[block.owner()] = v;
    }
    for (int i = 0; i < n; i++) {
      double acc = 0;
      for (int w = 0; w < size; w++) acc += all[w][i];
      values[i] = acc;
    }
  }
}
