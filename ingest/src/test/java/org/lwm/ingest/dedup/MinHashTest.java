package org.lwm.ingest.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
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
