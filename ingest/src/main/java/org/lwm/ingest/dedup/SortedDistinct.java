package org.lwm.ingest.dedup;

import java.util.Arrays;

/**
 * A shingle set as the Jaccard merge wants it: hashes sorted (signed order, as {@link Arrays#sort(long[])}) and
 * distinct. A book's set is millions of random 64-bit hashes, where a least-significant-digit radix sort (eight
 * passes of a byte, stable) is several times faster than the comparison sort; small sets use the comparison sort.
 */
final class SortedDistinct {
  private SortedDistinct() {}

  private static final int RADIX_FROM = 1 << 12;

  /** Sorts {@code a[0..n)} and moves its distinct values to the front; returns how many there are. */
  static int of(long[] a, int n) {
    if (n < RADIX_FROM) Arrays.sort(a, 0, n);
    else radixSort(a, n);
    int d = 0;
    for (int i = 0; i < n; i++) if (i == 0 || a[i] != a[i - 1]) a[d++] = a[i];
    return d;
  }

  static void radixSort(long[] a, int n) {
    long[] buffer = new long[n];
    long[] from = a;
    long[] to = buffer;
    int[] counts = new int[256];
    for (int shift = 0; shift < 64; shift += 8) {
      // the top byte with its sign bit flipped, so negative values come first
      long flip = shift == 56 ? 0x80 : 0;
      Arrays.fill(counts, 0);
      for (int i = 0; i < n; i++) counts[(int) (((from[i] >>> shift) ^ flip) & 0xFF)]++;
      if (counts[(int) (((from[0] >>> shift) ^ flip) & 0xFF)] == n) continue; // one digit for all: nothing moves
      int sum = 0;
      for (int b = 0; b < 256; b++) {
        int c = counts[b];
        counts[b] = sum;
        sum += c;
      }
      for (int i = 0; i < n; i++) to[counts[(int) (((from[i] >>> shift) ^ flip) & 0xFF)]++] = from[i];
      long[] t = from;
      from = to;
      to = t;
    }
    if (from != a) System.arraycopy(from, 0, a, 0, n);
  }
}
