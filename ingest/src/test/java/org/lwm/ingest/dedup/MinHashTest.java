package org.lwm.ingest.dedup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;

class MinHashTest {
  private static String words(long seed, int n) {
    Random r = new Random(seed);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) sb.append("w").append(r.nextInt(5000)).append(' ');
    return sb.toString();
  }

  private static boolean shareBand(MinHash mh, String a, String b) {
    Set<Long> ka = new HashSet<>();
    for (long k : mh.bandKeys(mh.signature(mh.shingles(a)))) ka.add(k);
    for (long k : mh.bandKeys(mh.signature(mh.shingles(b)))) if (ka.contains(k)) return true;
    return false;
  }

  @Test
  void asciiBytesHaveTheBandKeysOfTheirText() {
    MinHash mh = new MinHash(5, 16, 8, 42);
    Random r = new Random(3);
    String alphabet = "abcXYZ019 \n\t.,;'-!_~@`[{";
    for (int trial = 0; trial < 300; trial++) {
      StringBuilder sb = new StringBuilder();
      int n = r.nextInt(trial < 20 ? 12 : 3000);
      for (int i = 0; i < n; i++) sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
      String text = sb.toString();
      byte[] ascii = text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      assertEquals(Arrays.toString(mh.bandKeys(text)), Arrays.toString(mh.bandKeysOfAscii(ascii)), "text of " + n + " characters");
      assertEquals(Arrays.toString(mh.shingles(text)), Arrays.toString(mh.shinglesOfAscii(ascii)), "text of " + n + " characters");
    }
  }

  /** The scheme as documented, written plainly: every fast path must give exactly these hashes. */
  static final class Reference {
    final int shingleWords;
    final int k;
    final long seed;

    Reference(int shingleWords, int bands, int rows, long seed) {
      this.shingleWords = shingleWords;
      this.k = bands * rows;
      this.seed = new SplittableRandom(seed).nextLong();
    }

    static long[] words(String text) {
      List<Long> out = new java.util.ArrayList<>();
      long h = 0xCBF29CE484222325L;
      boolean in = false;
      for (int cp : text.codePoints().toArray()) {
        if (Character.isLetterOrDigit(cp)) {
          h = (h ^ Character.toLowerCase(cp)) * 0x100000001B3L;
          in = true;
        } else if (in) {
          out.add(MinHash.mix(h));
          h = 0xCBF29CE484222325L;
          in = false;
        }
      }
      if (in) out.add(MinHash.mix(h));
      return out.stream().mapToLong(Long::longValue).toArray();
    }

    long[] shingles(String text) {
      long[] w = words(text);
      if (w.length == 0) return new long[0];
      int n = Math.min(shingleWords, w.length);
      TreeSet<Long> set = new TreeSet<>();
      for (int i = 0; i + n <= w.length; i++) {
        long h = 0x9E3779B97F4A7C15L;
        for (int j = 0; j < n; j++) h = MinHash.mix(h * 31 + w[i + j]);
        set.add(h);
      }
      return set.stream().mapToLong(Long::longValue).toArray();
    }

    long[] signature(long[] shingles) {
      long[] sig = new long[k];
      Arrays.fill(sig, -1L);
      boolean[] filled = new boolean[k];
      for (long s : shingles) {
        long h = MinHash.mix(s ^ seed);
        int bin = (int) (((h >>> 32) * k) >>> 32);
        if (Long.compareUnsigned(h, sig[bin]) < 0) sig[bin] = h;
        filled[bin] = true;
      }
      for (int i = 0; i < k && shingles.length > 0; i++) {
        if (filled[i]) continue;
        int d = 1;
        while (!filled[(i + d) % k]) d++;
        sig[i] = MinHash.mix(sig[(i + d) % k] + d * 0x9E3779B97F4A7C15L);
      }
      return sig;
    }
  }

  @Test
  void everyPathGivesTheReferenceHashes() {
    Random r = new Random(5);
    String ascii = "abcdefXYZ0129 \n\t.,;'-!_~@`[{";
    String unicode = ascii + "éÉßΣσ中文\u00a0\u2029😀";
    for (int[] config : new int[][] {{5, 16, 8}, {1, 4, 2}, {3, 2, 5}, {9, 16, 8}}) {
      MinHash mh = new MinHash(config[0], config[1], config[2], 42);
      Reference ref = new Reference(config[0], config[1], config[2], 42);
      for (int trial = 0; trial < 120; trial++) {
        String alphabet = trial % 3 == 0 ? unicode : ascii;
        int n = trial < 40 ? trial : trial == 119 ? 300_000 : r.nextInt(5000);
        StringBuilder sb = new StringBuilder();
        while (sb.length() < n) sb.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0, r.nextInt(alphabet.codePointCount(0, alphabet.length())))));
        String text = sb.toString();
        String what = Arrays.toString(config) + ", text of " + n + " characters";
        long[] shingles = ref.shingles(text);
        long[] keys = mh.bandKeys(ref.signature(shingles));
        assertArrayEquals(shingles, mh.shingles(text), what);
        assertArrayEquals(ref.signature(shingles), mh.signature(shingles), what);
        assertArrayEquals(keys, mh.bandKeys(text), what);
        if (alphabet == ascii) {
          byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
          assertArrayEquals(shingles, mh.shinglesOfAscii(bytes), what);
          assertArrayEquals(keys, mh.bandKeysOfAscii(bytes), what);
        }
      }
    }
  }

  @Test
  void vectorShingleHashesAreThePlainLoops() {
    Random r = new Random(9);
    assertTrue(org.lwm.core.numeric.Simd.VECTOR, "the test JVMs run with the Vector API module");
    for (int trial = 0; trial < 400; trial++) {
      int n = 1 + r.nextInt(8);
      int count = r.nextInt(70);
      long[] words = r.longs(count + n - 1).toArray();
      boolean withSeed = r.nextBoolean();
      long seed = r.nextLong();
      long[] plain = new long[count];
      ShingleHashes.plain(words, 0, count, n, plain, withSeed, seed);
      long[] fast = new long[count];
      ShingleHashes.of(words, count, n, fast, withSeed, seed);
      assertArrayEquals(plain, fast, count + " shingles of " + n);
      long[] inPlace = words.clone();
      ShingleHashes.of(inPlace, count, n, inPlace, withSeed, seed);
      assertArrayEquals(plain, Arrays.copyOf(inPlace, count), "in place, " + count + " shingles of " + n);
    }
  }

  @Test
  void similarTextsShareABandAndUnrelatedOnesDoNot() {
    MinHash mh = new MinHash(5, 16, 8, 42);
    String a = words(1, 3000);
    String[] w = a.split(" ");
    for (int i = 0; i < 15; i++) w[i * 200] = "changed";
    String near = String.join(" ", w);
    double j = MinHash.jaccard(mh.shingles(a), mh.shingles(near));
    assertTrue(j > 0.9 && j < 1.0, "jaccard " + j);
    assertTrue(shareBand(mh, a, near));
    // case and punctuation do not make a text different; word order does
    assertEquals(1.0, MinHash.jaccard(mh.shingles("The cat, sat on the MAT!"), mh.shingles("the cat sat on the mat")));
    int falseCandidates = 0;
    for (int s = 2; s < 40; s++) if (shareBand(mh, a, words(s, 3000))) falseCandidates++;
    assertEquals(0, falseCandidates);
  }

  @Test
  void decisionKeepsLakeBooksAndFirstNewBooksAndNeverChainsThroughADuplicate() {
    // lake book L; new books a < b < c by source; a≈L, b≈c, c≈a only through nothing
    List<Row> pairs = List.of(RowFactory.create("L", "a", 0.9), RowFactory.create("b", "c", 0.85), RowFactory.create("a", "b", 0.82));
    Map<String, String> source = Map.of("L", "lake/L", "a", "in/a", "b", "in/b", "c", "in/c");
    Map<String, Boolean> fresh = Map.of("L", false, "a", true, "b", true, "c", true);
    List<NearDuplicates.Match> m = NearDuplicatesReference.decide(pairs, source, fresh);
    // a is a duplicate of L; b's only kept neighbour would be a, which is not kept, so b is kept; c duplicates b
    assertEquals(List.of("a->L", "c->b"), m.stream().map(x -> x.bookId() + "->" + x.keptId()).toList());
    assertTrue(Arrays.asList("lake/L", "in/b").contains(m.get(0).keptSource()));
  }
}
