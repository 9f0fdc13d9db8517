package org.lwm.packing.format;

/**
 * Just enough of CPython's {@code random.Random} to choose as LWM does: {@code Random(n).choice(seq)} for a
 * non-negative integer seed n. VisionTextProcessor picks one of a record's several fields specs this way, seeded by
 * the record's line index, so a file formats the same on every run. MT19937 seeded with {@code init_by_array} over
 * the seed's 32-bit words (as {@code random_seed} does for an int), and {@code _randbelow} by rejection on
 * {@code getrandbits(n.bit_length())}.
 */
final class PythonRandom {
  private final int[] mt = new int[624];
  private int index;

  PythonRandom(long seed) {
    if (seed < 0) seed = -seed;
    int[] key = (seed >>> 32) == 0 ? new int[] {(int) seed} : new int[] {(int) seed, (int) (seed >>> 32)};
    initByArray(key);
  }

  private void initGenrand(int s) {
    mt[0] = s;
    for (index = 1; index < 624; index++) {
      mt[index] = 1812433253 * (mt[index - 1] ^ (mt[index - 1] >>> 30)) + index;
    }
  }

  private void initByArray(int[] key) {
    initGenrand(19650218);
    int i = 1, j = 0;
    for (int k = Math.max(624, key.length); k > 0; k--) {
      mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1664525)) + key[j] + j;
      i++;
      j++;
      if (i >= 624) {
        mt[0] = mt[623];
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (int k = 623; k > 0; k--) {
      mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1566083941)) - i;
      i++;
      if (i >= 624) {
        mt[0] = mt[623];
        i = 1;
      }
    }
    mt[0] = 0x80000000;
    index = 624;
  }

  private int next32() {
    if (index >= 624) {
      for (int k = 0; k < 624; k++) {
        int y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7fffffff);
        mt[k] = mt[(k + 397) % 624] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908b0df : 0);
      }
      index = 0;
    }
    int y = mt[index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y;
  }

  /** {@code choice} over n items: the index CPython picks (n below 2^31). */
  int choiceIndex(int n) {
    if (n <= 0) throw new IllegalArgumentException("cannot choose from an empty sequence");
    int k = 32 - Integer.numberOfLeadingZeros(n);
    int r;
    do {
      r = next32() >>> (32 - k);
    } while (r >= n);
    return r;
  }
}
