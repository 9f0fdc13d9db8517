package org.lwm.ingest.dedup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class SortedDistinctTest {
  /** What the shingle sets were before: the comparison sort, then the distinct values. */
  static long[] expected(long[] a, int n) {
    return LongStream.of(Arrays.copyOf(a, n)).sorted().distinct().toArray();
  }

  @Test
  void radixAndComparisonSortsGiveTheSortedDistinctValues() {
    Random r = new Random(17);
    int[] sizes = {0, 1, 2, 5, 4095, 4096, 4097, 10_000, 200_000};
    for (int size : sizes) {
      for (int kind = 0; kind < 5; kind++) {
        long[] a = new long[size + 3]; // room past n: only a[0..n) is sorted
        for (int i = 0; i < a.length; i++) {
          a[i] = switch (kind) {
            case 0 -> r.nextLong(); // hashes
            case 1 -> r.nextInt(50) - 25; // few values, both signs: the high bytes all equal or all 0xFF
            case 2 -> r.nextBoolean() ? Long.MIN_VALUE + r.nextInt(3) : Long.MAX_VALUE - r.nextInt(3);
            case 3 -> (long) r.nextInt(1000) << 40; // low bytes all zero
            default -> r.nextLong() >> r.nextInt(64);
          };
        }
        long[] tail = Arrays.copyOfRange(a, size, a.length);
        long[] want = expected(a, size);
        int d = SortedDistinct.of(a, size);
        assertArrayEquals(want, Arrays.copyOf(a, d), "size " + size + ", kind " + kind);
        assertArrayEquals(tail, Arrays.copyOfRange(a, size, a.length), "nothing past n is touched");
      }
    }
  }
}
