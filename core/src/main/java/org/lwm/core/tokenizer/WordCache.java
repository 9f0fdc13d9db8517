package org.lwm.core.tokenizer;

import java.util.Arrays;

/**
 * One encoder thread's cache from a word (chars between two cuts) to its ids. Open addressing over
 * pooled keys and values, so a hit allocates nothing; when full it is simply emptied (text reuses
 * few words, so the hot ones return at once).
 */
final class WordCache {
  static final int MAX_WORD = 64; // longer words are rare and are merged each time
  private static final int SLOTS = 1 << 17;
  private static final int MAX_ENTRIES = SLOTS / 2;
  private static final int MAX_KEY_CHARS = 1 << 22;

  private final int[] slots = new int[SLOTS]; // entry + 1, 0 when empty
  private int entries;
  private int[] hashes = new int[1024];
  private int[] keyOff = new int[1024];
  private int[] keyLen = new int[1024];
  int[] valOff = new int[1024];
  int[] valLen = new int[1024];
  private char[] keyPool = new char[1 << 14];
  private int keyPoolLen;
  int[] valPool = new int[1 << 14];
  private int valPoolLen;

  /** A word's hash is {@link #finish} of this rolled over its characters from 0 (the encoder rolls it as it scans). */
  static int roll(int h, char c) {
    return 31 * h + c;
  }

  static int finish(int rolled) {
    return rolled ^ (rolled >>> 15) * 0x2c1b3c6d;
  }

  /** The entry holding {@code a[from..from+len)}, or -1. */
  int find(char[] a, int from, int len, int h) {
    int i = h & (SLOTS - 1);
    while (true) {
      int e = slots[i] - 1;
      if (e < 0) return -1;
      if (hashes[e] == h && keyLen[e] == len && Arrays.equals(keyPool, keyOff[e], keyOff[e] + len, a, from, from + len)) return e;
      i = (i + 1) & (SLOTS - 1);
    }
  }

  void put(char[] a, int from, int len, int h, int[] ids, int nIds) {
    if (entries >= MAX_ENTRIES || keyPoolLen + len > MAX_KEY_CHARS) clear();
    if (entries == hashes.length) {
      int c = entries * 2;
      hashes = Arrays.copyOf(hashes, c);
      keyOff = Arrays.copyOf(keyOff, c);
      keyLen = Arrays.copyOf(keyLen, c);
      valOff = Arrays.copyOf(valOff, c);
      valLen = Arrays.copyOf(valLen, c);
    }
    if (keyPoolLen + len > keyPool.length) keyPool = Arrays.copyOf(keyPool, Math.max(keyPoolLen + len, keyPool.length * 2));
    if (valPoolLen + nIds > valPool.length) valPool = Arrays.copyOf(valPool, Math.max(valPoolLen + nIds, valPool.length * 2));
    int e = entries++;
    hashes[e] = h;
    keyOff[e] = keyPoolLen;
    keyLen[e] = len;
    System.arraycopy(a, from, keyPool, keyPoolLen, len);
    keyPoolLen += len;
    valOff[e] = valPoolLen;
    valLen[e] = nIds;
    System.arraycopy(ids, 0, valPool, valPoolLen, nIds);
    valPoolLen += nIds;
    int i = h & (SLOTS - 1);
    while (slots[i] != 0) i = (i + 1) & (SLOTS - 1);
    slots[i] = e + 1;
  }

  private void clear() {
    Arrays.fill(slots, 0);
    entries = 0;
    keyPoolLen = 0;
    valPoolLen = 0;
  }
}
