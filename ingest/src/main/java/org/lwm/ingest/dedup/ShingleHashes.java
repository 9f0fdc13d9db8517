package org.lwm.ingest.dedup;

import org.lwm.core.numeric.Simd;

/**
 * The hash of each shingle of {@link MinHash}: {@code h = mix(h·31 + word)} over its {@code n} word hashes from a
 * fixed start, optionally hashed once more with the seed for the signature ({@code mix(h ^ seed)}). Five dependent
 * multiplies per mix and per word make this most of the shingling; shingles are independent, so with the Vector
 * API (see core's {@link Simd}) eight are hashed at once, bit for bit as the plain loop.
 */
final class ShingleHashes {
  private ShingleHashes() {}

  static final long START = 0x9E3779B97F4A7C15L;

  /**
   * out[i] = the hash of shingle {@code words[i..i+n)} for i &lt; count; {@code out} may be {@code words} itself
   * (shingle i reads words i..i+n-1 only, before out[i] is written).
   */
  static void of(long[] words, int count, int n, long[] out, boolean withSeed, long seed) {
    plain(words, Simd.VECTOR ? ShingleVectors.of(words, count, n, out, withSeed, seed) : 0, count, n, out, withSeed, seed);
  }

  /** The plain loop, for shingles {@code from} to {@code count} (tests hold the vector path to it). */
  static void plain(long[] words, int from, int count, int n, long[] out, boolean withSeed, long seed) {
    for (int i = from; i < count; i++) {
      long h = START;
      for (int j = 0; j < n; j++) h = MinHash.mix(h * 31 + words[i + j]);
      out[i] = withSeed ? MinHash.mix(h ^ seed) : h;
    }
  }
}
