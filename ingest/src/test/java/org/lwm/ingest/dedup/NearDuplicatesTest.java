package org.lwm.ingest.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;

class NearDuplicatesTest {
  private static final double THRESHOLD = 0.8;

  /** k new books sharing every band key (one bucket per band), each the same 50 shingles plus one of its own. */
  private static List<NearDuplicates.Book> oneBucket(int k, Map<String, long[]> sets, boolean nearIdentical) {
    long[] keys = new long[16];
    for (int b = 0; b < keys.length; b++) keys[b] = 1000 + b;
    List<NearDuplicates.Book> books = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      String id = String.format("id%06d", i);
      long[] s = new long[nearIdentical ? 51 : 30];
      for (int x = 0; x < s.length - 1; x++) s[x] = nearIdentical ? x : (long) i * 100 + x;
      s[s.length - 1] = 1_000_000L + i;
      Arrays.sort(s);
      sets.put(id, s);
      books.add(new NearDuplicates.Book(id, String.format("in/%06d.txt", (i * 7919) % k), true, keys));
    }
    return books;
  }

  /**
   * The pathological bucket: 20,000 near-identical books behind one band key. Holding every candidate pair before
   * verifying any (as ingest books did) is 200 M pairs, out of any test heap; deciding book by book against the kept
   * books of the bucket is one verification per book.
   */
  @Test
  void aLargeBucketOfNearIdenticalBooksIsDecidedWithoutItsPairs() {
    int k = 20_000;
    Map<String, long[]> sets = new HashMap<>();
    List<NearDuplicates.Book> books = oneBucket(k, sets, true);
    List<NearDuplicates.Match> m = assertTimeoutPreemptively(Duration.ofSeconds(20),
        () -> NearDuplicatesReference.find(books, ids -> sets, THRESHOLD));
    assertEquals(k - 1, m.size());
    // the first book by source is kept and every other one names it
    String first = books.stream().filter(b -> b.source().equals("in/000000.txt")).findFirst().orElseThrow().bookId();
    assertTrue(m.stream().allMatch(x -> x.keptId().equals(first) && x.keptSource().equals("in/000000.txt")));
    assertEquals(k - 1, NearDuplicates.findCounted(books, NearDuplicatesReference.fromMap(books, ids -> sets), THRESHOLD).verifications());
  }

  /** A bucket of dissimilar books: every book kept, each verified once against each earlier book, none stored. */
  @Test
  void aLargeBucketOfDissimilarBooksIsVerifiedPairByPairOnce() {
    int k = 3_000;
    Map<String, long[]> sets = new HashMap<>();
    List<NearDuplicates.Book> books = oneBucket(k, sets, false);
    NearDuplicates.Result r = NearDuplicates.findCounted(books, NearDuplicatesReference.fromMap(books, ids -> sets), THRESHOLD);
    assertEquals(List.of(), r.matches());
    assertEquals((long) k * (k - 1) / 2, r.verifications());
    assertEquals(k, r.candidates());
  }

  /** Books with no shared band key cost no shingle sets and no verification. */
  @Test
  void booksWithoutSharedKeysAreNeverVerified() {
    List<NearDuplicates.Book> books = new ArrayList<>();
    for (int i = 0; i < 1000; i++) books.add(new NearDuplicates.Book("b" + i, "s" + i, i % 3 != 0, new long[] {i * 2L, i * 2L + 1}));
    NearDuplicates.Result r = NearDuplicates.findCounted(books, wanted -> {
      throw new AssertionError("no shingle set is needed");
    }, THRESHOLD);
    assertEquals(0, r.verifications());
    assertEquals(List.of(), r.matches());
  }

  /** The decision is the pairwise one (all candidate pairs verified, then {@link NearDuplicates#decide}) on random inputs. */
  @Test
  void decidesAsAllCandidatePairsVerifiedThenDecided() {
    Random rnd = new Random(13);
    int matches = 0;
    int ofLakeBooks = 0;
    for (int round = 0; round < 300; round++) {
      int lake = rnd.nextInt(6);
      int n = lake + 1 + rnd.nextInt(40);
      int keySpace = 2 + rnd.nextInt(60);
      int families = 1 + rnd.nextInt(6);
      List<NearDuplicates.Book> books = new ArrayList<>();
      Map<String, long[]> sets = new HashMap<>();
      for (int i = 0; i < n; i++) {
        boolean fresh = i >= lake;
        String id = Integer.toHexString(rnd.nextInt(1 << 20)) + "-" + i;
        long[] keys = new long[1 + rnd.nextInt(4)];
        for (int b = 0; b < keys.length; b++) keys[b] = rnd.nextInt(keySpace);
        // a family's base set with a few changes: similar within a family, sometimes over the threshold
        int family = rnd.nextInt(families);
        TreeSet<Long> s = new TreeSet<>();
        int size = rnd.nextInt(5) == 0 ? 0 : 10 + rnd.nextInt(20);
        for (long x = 0; x < size; x++) s.add(family * 1000L + x);
        int edits = rnd.nextInt(8);
        for (int e = 0; e < edits && !s.isEmpty(); e++) {
          s.remove(s.first() + rnd.nextInt(size));
          s.add(family * 1000L + 500 + rnd.nextInt(40));
        }
        sets.put(id, s.stream().mapToLong(Long::longValue).toArray());
        books.add(new NearDuplicates.Book(id, (fresh ? "in/" : "lake/") + rnd.nextInt(1 << 20) + "-" + i, fresh, keys));
      }
      List<String> expected = pairwise(books, sets).stream().map(NearDuplicatesTest::show).toList();
      List<String> got = NearDuplicatesReference.find(books, ids -> sets, THRESHOLD).stream().map(NearDuplicatesTest::show).toList();
      assertEquals(expected, got, "round " + round);
      matches += got.size();
      ofLakeBooks += (int) got.stream().filter(x -> x.contains("@lake/")).count();
    }
    assertTrue(matches > 300 && ofLakeBooks > 30, matches + " matches, " + ofLakeBooks + " of lake books");
  }

  private static String show(NearDuplicates.Match m) {
    return m.bookId() + "->" + m.keptId() + "@" + m.keptSource() + ":" + m.jaccard();
  }

  /** The reference: every candidate pair with a new book held and verified, then the ordered decision. */
  private static List<NearDuplicates.Match> pairwise(List<NearDuplicates.Book> books, Map<String, long[]> sets) {
    Map<String, NearDuplicates.Book> byId = new HashMap<>();
    for (NearDuplicates.Book b : books) byId.put(b.bookId(), b);
    Map<Long, List<String>> buckets = new HashMap<>();
    for (NearDuplicates.Book b : books) {
      for (long k : b.bandKeys()) {
        List<String> ids = buckets.computeIfAbsent(k, x -> new ArrayList<>());
        if (!ids.contains(b.bookId())) ids.add(b.bookId());
      }
    }
    Set<List<String>> pairs = new LinkedHashSet<>();
    for (List<String> ids : buckets.values()) {
      for (int i = 0; i < ids.size(); i++) {
        for (int j = i + 1; j < ids.size(); j++) {
          String a = ids.get(i);
          String b = ids.get(j);
          if (byId.get(a).fresh() || byId.get(b).fresh()) pairs.add(a.compareTo(b) < 0 ? List.of(a, b) : List.of(b, a));
        }
      }
    }
    List<Row> similar = new ArrayList<>();
    for (List<String> p : pairs) {
      double j = MinHash.jaccard(sets.get(p.get(0)), sets.get(p.get(1)));
      if (j >= THRESHOLD) similar.add(RowFactory.create(p.get(0), p.get(1), j));
    }
    Map<String, String> sourceOf = new HashMap<>();
    Map<String, Boolean> isFresh = new HashMap<>();
    for (NearDuplicates.Book b : books) {
      sourceOf.put(b.bookId(), b.source());
      isFresh.put(b.bookId(), b.fresh());
    }
    return NearDuplicatesReference.decide(similar, sourceOf, isFresh);
  }

  /** The early-stopping similarity is the exact one at or over the threshold, and below it otherwise. */
  @Test
  void jaccardAtLeastIsExactAtTheThreshold() {
    Random rnd = new Random(7);
    for (int round = 0; round < 20_000; round++) {
      long[] a = rnd.longs(rnd.nextInt(40), 0, 60).sorted().distinct().toArray();
      long[] b = rnd.nextBoolean() ? a.clone() : rnd.longs(rnd.nextInt(40), 0, 60).sorted().distinct().toArray();
      if (b.length > 0 && rnd.nextBoolean()) b[rnd.nextInt(b.length)] = 1000 + rnd.nextInt(3); // near a
      Arrays.sort(b);
      b = Arrays.stream(b).distinct().toArray();
      double t = rnd.nextInt(4) == 0 ? MinHash.jaccard(a, b) : rnd.nextDouble();
      double exact = MinHash.jaccard(a, b);
      double got = MinHash.jaccardAtLeast(a, 0, a.length, b, 0, b.length, t);
      if (exact >= t) assertEquals(exact, got, "round " + round);
      else assertTrue(got < t, "round " + round);
    }
  }

  /** Packed sets round-trip through the columnar store, slices compared like whole arrays. */
  @Test
  void packedSetsGiveTheSameJaccard() {
    long[] a = {1, 2, 3, 4, 5};
    long[] b = {2, 3, 4, 5, 6, 7};
    long[] c = {};
    List<scala.Tuple2<Integer, long[]>> parts = List.of(new scala.Tuple2<>(2, b), new scala.Tuple2<>(0, a), new scala.Tuple2<>(1, c));
    NearDuplicates.Shingles s = new NearDuplicates.Shingles(4).add(NearDuplicates.Packed.of(parts.iterator()));
    assertEquals(MinHash.jaccard(a, b), s.jaccard(0, 2));
    assertEquals(MinHash.jaccard(c, a), s.jaccard(1, 0));
    assertEquals(1.0, s.jaccard(1, 1));
    assertTrue(!s.has(3) && s.has(1));
    Function<int[], NearDuplicates.Shingles> none = w -> new NearDuplicates.Shingles(0);
    assertEquals(List.of(), NearDuplicates.findByIndex(List.of(), none, THRESHOLD));
  }
}
