package org.lwm.core.tokenizer;

import java.util.Arrays;

/** An open-addressing map from non-negative long keys to ints (the BPE merge table); -1 when absent. */
final class LongIntMap {
  private final long[] keys;
  private final int[] values;
  private final int mask;

  LongIntMap(int expected) {
    int cap = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
    keys = new long[cap];
    values = new int[cap];
    mask = cap - 1;
    Arrays.fill(keys, -1L);
  }

  private static int slot(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32));
  }

  void put(long key, int value) {
    int i = slot(key) & mask;
    while (keys[i] != -1L && keys[i] != key) i = (i + 1) & mask;
    keys[i] = key;
    values[i] = value;
  }

  int get(long key) {
    int i = slot(key) & mask;
    while (true) {
      long k = keys[i];
      if (k == key) return values[i];
      if (k == -1L) return -1;
      i = (i + 1) & mask;
    }
  }
}
