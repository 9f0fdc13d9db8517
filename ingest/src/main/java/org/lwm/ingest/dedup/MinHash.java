package org.lwm.ingest.dedup;

import java.io.Serializable;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Near-duplicate detection by MinHash with banded LSH (Broder 1997; Leskovec et al., Mining of Massive
 * Datasets ch. 3), the scheme of Spark MLlib's {@code MinHashLSH} plus the AND-within-band step it lacks:
 * documents are sets of word {@code n}-shingles (lower-cased words, split at anything not a letter or digit);
 * {@code bands × rows} min-hashes per document (one-permutation hashing, see {@link #signature}); two documents become candidates when all min-hashes of some
 * band agree, which happens with probability {@code 1 − (1 − J^rows)^bands} for Jaccard similarity J
 * (16 × 8: 0.99 at J = 0.8, 0.07 at J = 0.5). Candidates are then verified by their exact Jaccard similarity,
 * so the threshold is exact and the LSH only decides which pairs are looked at.
 */
public final class MinHash implements Serializable {
  private final int shingleWords;
  private final int bands;
  private final int rows;
  private final long seed;

  public MinHash(int shingleWords, int bands, int rows, long seed) {
    if (shingleWords < 1 || bands < 1 || rows < 1) throw new IllegalArgumentException("shingle words, bands and rows must be ≥ 1");
    this.shingleWords = shingleWords;
    this.bands = bands;
    this.rows = rows;
    this.seed = new SplittableRandom(seed).nextLong();
  }

  /** The distinct shingle hashes of a text, sorted. */
  public long[] shingles(String text) {
    long[] words = wordHashes(text);
    return shinglesOfWords(words, words.length);
  }

  /** {@link #shingles(String)} of ASCII bytes (each byte below 0x80), read as the text they are, without decoding. */
  public long[] shinglesOfAscii(byte[] ascii) {
    long[] words = new long[AsciiWords.capacity(ascii.length)];
    return shinglesOfWords(words, AsciiWords.hashes(ascii, words));
  }

  private long[] shinglesOfWords(long[] words, int nWords) {
    if (nWords == 0) return new long[0];
    int n = Math.min(shingleWords, nWords);
    int count = nWords - n + 1;
    ShingleHashes.of(words, count, n, words, false, 0); // in place: shingle i needs words i..i+n-1 only
    return Arrays.copyOf(words, SortedDistinct.of(words, count));
  }

  /**
   * {@code bands × rows} min-hashes of a shingle set by one-permutation hashing (Li, Owen and Zhang 2012): each
   * shingle is hashed once, the hash's top bits pick one of the {@code k} bins and the bin keeps its smallest hash;
   * bins no shingle fell into borrow from the next filled bin to their right (rotation densification, Shrivastava
   * and Li 2014). Two sets agree on a bin with probability ≈ their Jaccard similarity, as with {@code k} independent
   * hash functions, at one hash per shingle instead of {@code k} (at 128 that was most of ingest's CPU). Duplicate
   * shingles change no minimum, so the array need not be sorted or distinct.
   */
  public long[] signature(long[] shingles) {
    long[] hashes = new long[shingles.length];
    for (int i = 0; i < hashes.length; i++) hashes[i] = mix(shingles[i] ^ seed);
    return signatureOfHashes(hashes, hashes.length);
  }

  /** {@link #signature} of shingles already hashed with the seed ({@code mix(shingle ^ seed)}), the first n. */
  private long[] signatureOfHashes(long[] hashes, int n) {
    int k = bands * rows;
    long[] sig = new long[k];
    Arrays.fill(sig, -1L); // unsigned maximum: empty
    boolean[] filled = new boolean[k];
    for (int s = 0; s < n; s++) {
      long h = hashes[s];
      int bin = (int) (((h >>> 32) * k) >>> 32);
      if (Long.compareUnsigned(h, sig[bin]) < 0) sig[bin] = h;
      filled[bin] = true;
    }
    if (n == 0) return sig;
    for (int i = 0; i < k; i++) {
      if (filled[i]) continue;
      int d = 1;
      while (!filled[(i + d) % k]) d++;
      sig[i] = mix(sig[(i + d) % k] + d * 0x9E3779B97F4A7C15L);
    }
    return sig;
  }

  /** The band keys of a text: {@code bandKeys(signature(shingles(text)))} without sorting the shingles. */
  public long[] bandKeys(String text) {
    long[] words = wordHashes(text);
    return bandKeysOfWords(words, words.length);
  }

  /** {@link #bandKeys(String)} of ASCII bytes (each byte below 0x80), read as the text they are, without decoding. */
  public long[] bandKeysOfAscii(byte[] ascii) {
    long[] words = new long[AsciiWords.capacity(ascii.length)];
    return bandKeysOfWords(words, AsciiWords.hashes(ascii, words));
  }

  private long[] bandKeysOfWords(long[] words, int nWords) {
    if (nWords == 0) return bandKeys(signatureOfHashes(words, 0));
    int n = Math.min(shingleWords, nWords);
    int count = nWords - n + 1;
    ShingleHashes.of(words, count, n, words, true, seed); // in place, each shingle hashed with the seed
    return bandKeys(signatureOfHashes(words, count));
  }

  /** One key per band: the band's index and its min-hashes folded together; equal keys make candidates. */
  public long[] bandKeys(long[] signature) {
    long[] keys = new long[bands];
    for (int b = 0; b < bands; b++) {
      long h = b * 0xC2B2AE3D27D4EB4FL;
      for (int r = 0; r < rows; r++) h = mix(h ^ signature[b * rows + r]);
      keys[b] = h;
    }
    return keys;
  }

  /** Exact Jaccard similarity of two sorted distinct shingle sets. */
  public static double jaccard(long[] a, long[] b) {
    return jaccard(a, 0, a.length, b, 0, b.length);
  }

  /** Exact Jaccard similarity of two sorted distinct shingle sets held in slices of arrays. */
  public static double jaccard(long[] a, int aFrom, int aLength, long[] b, int bFrom, int bLength) {
    return jaccardAtLeast(a, aFrom, aLength, b, bFrom, bLength, 0); // no similarity is below 0: the whole merge
  }

  /**
   * {@link #jaccard(long[], int, int, long[], int, int)} when it is at least {@code threshold}, else some value below
   * it: the merge stops as soon as the common elements left possible cannot reach the fewest the threshold needs
   * (J = c / (|a| + |b| − c) grows with c), which for dissimilar sets is after a few elements.
   */
  public static double jaccardAtLeast(long[] a, int aFrom, int aLength, long[] b, int bFrom, int bLength, double threshold) {
    if (aLength == 0 && bLength == 0) return 1.0;
    int n = aLength + bLength;
    int max = Math.min(aLength, bLength);
    // the fewest common elements whose similarity, computed as below, is ≥ threshold (computed, not estimated:
    // correctly rounded division is monotone in c, so every smaller count is below the threshold)
    int need = (int) Math.max(0, Math.min(max, Math.floor(threshold * n / (1 + threshold))));
    while (need > 0 && (double) (need - 1) / (n - need + 1) >= threshold) need--;
    while (need <= max && !((double) need / (n - need) >= threshold)) need++;
    if (need > max) return -1;
    int i = aFrom;
    int j = bFrom;
    int aEnd = aFrom + aLength;
    int bEnd = bFrom + bLength;
    long common = 0;
    while (i < aEnd && j < bEnd) {
      if (a[i] == b[j]) {
        common++;
        i++;
        j++;
      } else {
        if (a[i] < b[j]) i++;
        else j++;
        if (common + Math.min(aEnd - i, bEnd - j) < need) return -1;
      }
    }
    return (double) common / (aLength + bLength - common);
  }

  static final long FNV_OFFSET = 0xCBF29CE484222325L;
  static final long FNV_PRIME = 0x100000001B3L;

  private static long[] wordHashes(String text) {
    long[] out = new long[Math.max(16, text.length() / 6)];
    int n = 0;
    long h = FNV_OFFSET;
    boolean inWord = false;
    for (int i = 0; i < text.length(); ) {
      char ch = text.charAt(i);
      int c; // the character lower-cased when it is a letter or digit, else 0
      if (ch < 128) {
        c = ASCII_WORD_CHAR[ch];
        i++;
      } else {
        int cp = text.codePointAt(i);
        i += Character.charCount(cp);
        c = Character.isLetterOrDigit(cp) ? Character.toLowerCase(cp) : 0;
      }
      if (c != 0) {
        h = (h ^ c) * FNV_PRIME; // FNV-1a over code points
        inWord = true;
      } else if (inWord) {
        if (n == out.length) out = Arrays.copyOf(out, n * 2);
        out[n++] = mix(h);
        h = FNV_OFFSET;
        inWord = false;
      }
    }
    if (inWord) {
      if (n == out.length) out = Arrays.copyOf(out, n + 1);
      out[n++] = mix(h);
    }
    return Arrays.copyOf(out, n);
  }

  /** Per ASCII character: lower-cased when it is a letter or digit, else 0 (a table lookup instead of two tests). */
  static final byte[] ASCII_WORD_CHAR = new byte[128];

  static {
    for (int c = 0; c < 128; c++) if (Character.isLetterOrDigit(c)) ASCII_WORD_CHAR[c] = (byte) Character.toLowerCase(c);
  }

  /** SplitMix64's finaliser: spreads every input bit over the output ({@link ShingleHashes} has it on vectors too). */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
