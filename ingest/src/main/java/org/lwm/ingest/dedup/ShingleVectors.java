package org.lwm.ingest.dedup;

import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** {@link ShingleHashes} on the CPU's widest long vectors; loaded only when the Vector API module is present. */
final class ShingleVectors {
  private ShingleVectors() {}

  private static final VectorSpecies<Long> LONGS = LongVector.SPECIES_PREFERRED;

  /** Hashes whole vectors of shingles from 0; returns where the plain loop goes on. */
  static int of(long[] words, int count, int n, long[] out, boolean withSeed, long seed) {
    int lanes = LONGS.length();
    int i = 0;
    for (; i + lanes <= count; i += lanes) {
      LongVector h = LongVector.broadcast(LONGS, ShingleHashes.START);
      for (int j = 0; j < n; j++) h = mix(h.mul(31).add(LongVector.fromArray(LONGS, words, i + j)));
      if (withSeed) h = mix(h.lanewise(VectorOperators.XOR, seed));
      h.intoArray(out, i);
    }
    return i;
  }

  /** {@link MinHash#mix} in every lane. */
  private static LongVector mix(LongVector z) {
    z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 30)).mul(0xBF58476D1CE4E5B9L);
    z = z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 27)).mul(0x94D049BB133111EBL);
    return z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 31));
  }
}
