package org.lwm.ingest.dedup;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.function.Function;
import scala.Tuple2;

/**
 * Which new books are near-duplicates of a book the lake keeps or of an earlier new book. Banded MinHash
 * proposes candidates (only pairs with a new book), exact Jaccard similarity of the shingle sets decides, and the
 * decision is made on the driver in a fixed order: books already in the lake first, then new books by source; a new
 * book similar to a kept book is a duplicate of the most similar one (ties: the smaller source), else it is kept. So
 * a duplicate always names a book that is in the lake, and chains (A≈B≈C, A≉C) do not remove C through B.
 *
 * <p>Memory and work are bounded by the books, not by the candidate pairs: the buckets (books sharing a band key)
 * are found by sorting the keys as primitive longs, held as int arrays (one entry per book and shared band key), and
 * no pair is ever stored: each new book, in the order above, is verified against the kept members of its buckets only,
 * each kept book at most once. A bucket of k near-identical books costs k − 1 verifications (each against the first),
 * a bucket of k dissimilar books k(k − 1)/2 verifications but no memory beyond the bucket's k entries.
 */
public final class NearDuplicates {
  private NearDuplicates() {}

  /** A new book judged a near-duplicate of {@code keptId} (at {@code keptSource}) with this similarity. */
  public record Match(String bookId, String keptId, String keptSource, double jaccard) {}

  /** A book with its band keys: a new one (fresh) or one the lake keeps. */
  public record Book(String bookId, String source, boolean fresh, long[] bandKeys) implements Serializable {}

  /** The matches, with how many Jaccard similarities were computed to find them (for tests and logs). */
  record Result(List<Match> matches, long verifications, int candidates) {}

  /**
   * The shingle sets of some books, indexed by their position in the list given to {@link #find}, held as the
   * packed arrays the tasks produced (no per-book object on the driver).
   */
  public static final class Shingles {
    private final int[] part;
    private final int[] from;
    private final int[] length;
    private final List<long[]> parts = new ArrayList<>();

    public Shingles(int books) {
      part = new int[books];
      from = new int[books];
      length = new int[books];
      Arrays.fill(part, -1);
    }

    /** Adds a packed part: book {@code index[i]}'s set is {@code data[offsets[i] .. offsets[i + 1])}. */
    public Shingles add(Packed p) {
      int k = parts.size();
      parts.add(p.data());
      for (int i = 0; i < p.index().length; i++) {
        part[p.index()[i]] = k;
        from[p.index()[i]] = p.offsets()[i];
        length[p.index()[i]] = p.offsets()[i + 1] - p.offsets()[i];
      }
      return this;
    }

    boolean has(int book) {
      return part[book] >= 0;
    }

    int length(int book) {
      return length[book];
    }

    double jaccard(int a, int b) {
      return MinHash.jaccard(parts.get(part[a]), from[a], length[a], parts.get(part[b]), from[b], length[b]);
    }

    /** The similarity when it is ≥ threshold, else a value below it (found sooner). */
    double jaccardAtLeast(int a, int b, double threshold) {
      return MinHash.jaccardAtLeast(parts.get(part[a]), from[a], length[a], parts.get(part[b]), from[b], length[b], threshold);
    }
  }

  /** Shingle sets of several books in three arrays, as a task sends them to the driver. */
  public record Packed(int[] index, int[] offsets, long[] data) implements Serializable {
    /** Packs (book index, sorted distinct shingles) pairs. */
    public static Packed of(Iterator<Tuple2<Integer, long[]>> sets) {
      int[] index = new int[16];
      int[] offsets = new int[17];
      long[] data = new long[256];
      int n = 0;
      while (sets.hasNext()) {
        Tuple2<Integer, long[]> t = sets.next();
        long[] s = t._2();
        if (n + 1 == index.length) {
          index = Arrays.copyOf(index, index.length * 2);
          offsets = Arrays.copyOf(offsets, offsets.length * 2);
        }
        if (offsets[n] + s.length > data.length) data = Arrays.copyOf(data, Math.max(data.length * 2, offsets[n] + s.length));
        index[n] = t._1();
        System.arraycopy(s, 0, data, offsets[n], s.length);
        offsets[n + 1] = offsets[n] + s.length;
        n++;
      }
      return new Packed(Arrays.copyOf(index, n), Arrays.copyOf(offsets, n + 1), Arrays.copyOf(data, offsets[n]));
    }
  }

  /**
   * The near-duplicates among {@code books}: candidates from shared band keys (no all-pairs join, no shuffle; only
   * pairs with a new book, since two lake books were judged when they came in), verified by exact Jaccard similarity
   * of their shingle sets, which {@code shingles} supplies for the books (positions in {@code books}, ascending) of
   * some bucket with a new book only.
   */
  public static List<Match> findByIndex(List<Book> books, Function<int[], Shingles> shingles, double threshold) {
    return findCounted(books, shingles, threshold).matches();
  }

  static Result findCounted(List<Book> books, Function<int[], Shingles> shingles, double threshold) {
    int n = books.size();
    // rank: the decision order, lake books first (as given), then new books by source, then id
    Ranked[] byRank = new Ranked[n];
    for (int i = 0; i < n; i++) byRank[i] = new Ranked(books.get(i), i);
    Arrays.sort(byRank, Ranked::compare);
    int[] bookOf = new int[n];
    int keptBooks = 0;
    for (int r = 0; r < n; r++) {
      bookOf[r] = byRank[r].index;
      if (!byRank[r].fresh) keptBooks++;
    }
    byRank = null;

    Buckets buckets = Buckets.of(books, bookOf);
    // a bucket matters when it has a new book (its last member, members being in rank order) and another book
    boolean[] involved = new boolean[n];
    int candidates = 0;
    for (int g = 0; g < buckets.count(); g++) {
      if (buckets.size(g) < 2 || buckets.member(g, buckets.size(g) - 1) < keptBooks) continue;
      for (int i = 0; i < buckets.size(g); i++) involved[buckets.member(g, i)] = true;
    }
    for (boolean b : involved) if (b) candidates++;
    if (candidates == 0) return new Result(List.of(), 0, 0);
    int[] wanted = new int[candidates];
    int w = 0;
    for (int r = 0; r < n; r++) if (involved[r]) wanted[w++] = bookOf[r];
    involved = null;
    Arrays.sort(wanted);
    Shingles sets = shingles.apply(wanted);
    for (int i : wanted) {
      if (!sets.has(i)) {
        throw new IllegalStateException("near-duplicates: no shingle set for " + books.get(i).source()
            + " (changed while it was being ingested? run the job again)");
      }
    }

    // the decision, in rank order; each bucket's kept members are compacted at its front as they are decided
    int[] keptInBucket = new int[buckets.count()];
    for (int g = 0; g < buckets.count(); g++) {
      int k = 0;
      while (k < buckets.size(g) && buckets.member(g, k) < keptBooks) k++;
      keptInBucket[g] = k;
    }
    int[] seenBy = new int[n];
    Arrays.fill(seenBy, -1);
    long verifications = 0;
    List<Match> matches = new ArrayList<>();
    for (int r = keptBooks; r < n; r++) {
      int a = bookOf[r];
      int best = -1;
      double bestJ = -1;
      for (int x = buckets.firstOf(r); x < buckets.endOf(r); x++) {
        int g = buckets.bucketOf(x);
        for (int i = 0; i < keptInBucket[g]; i++) {
          int m = buckets.member(g, i);
          if (seenBy[m] == r) continue;
          seenBy[m] = r;
          int b = bookOf[m];
          if (!canReach(sets.length(a), sets.length(b), threshold)) continue;
          verifications++;
          double j = sets.jaccardAtLeast(a, b, threshold);
          if (j < threshold) continue;
          if (j > bestJ || (j == bestJ && books.get(b).source().compareTo(books.get(best).source()) < 0)) {
            best = b;
            bestJ = j;
          }
        }
      }
      if (best < 0) {
        for (int x = buckets.firstOf(r); x < buckets.endOf(r); x++) {
          int g = buckets.bucketOf(x);
          buckets.setMember(g, keptInBucket[g]++, r); // r's own place or a member decided a duplicate before it
        }
      } else {
        Book kept = books.get(best);
        matches.add(new Match(books.get(a).bookId(), kept.bookId(), kept.source(), bestJ));
      }
    }
    return new Result(matches, verifications, candidates);
  }

  /** A book's place in the decision order: lake books first (in the given order), then new books by source, id. */
  private static final class Ranked {
    final boolean fresh;
    final String source;
    final String id;
    final int index;

    Ranked(Book b, int index) {
      this.fresh = b.fresh();
      this.source = b.source();
      this.id = b.bookId();
      this.index = index;
    }

    static int compare(Ranked x, Ranked y) {
      if (x.fresh != y.fresh) return x.fresh ? 1 : -1;
      int c = 0;
      if (x.fresh) {
        c = x.source.compareTo(y.source);
        if (c == 0) c = x.id.compareTo(y.id);
      }
      return c != 0 ? c : Integer.compare(x.index, y.index);
    }
  }

  /** False when sets of these sizes cannot have a Jaccard similarity ≥ threshold (it is at most min / max). */
  private static boolean canReach(int sizeA, int sizeB, double threshold) {
    int max = Math.max(sizeA, sizeB);
    return max == 0 || (double) Math.min(sizeA, sizeB) / max >= threshold;
  }

  /**
   * Band keys shared by at least two books, as buckets of ranks (ascending) in one int array, and for every rank the
   * buckets it is in: entries only for shared keys, so distinct books cost nothing after the sort.
   */
  private static final class Buckets {
    private final int[] start; // bucket g: members[start[g] .. start[g + 1])
    private final int[] members;
    private final int[] bookStart; // rank r: bucketsOfBook[bookStart[r] .. bookStart[r + 1])
    private final int[] bucketsOfBook;

    private Buckets(int[] start, int[] members, int[] bookStart, int[] bucketsOfBook) {
      this.start = start;
      this.members = members;
      this.bookStart = bookStart;
      this.bucketsOfBook = bucketsOfBook;
    }

    static Buckets of(List<Book> books, int[] bookOf) {
      int n = bookOf.length;
      long total = 0;
      for (Book b : books) total += b.bandKeys().length;
      if (total > Integer.MAX_VALUE - 8) throw new IllegalStateException("near-duplicates: too many band keys: " + total);
      long[] sorted = new long[(int) total];
      int e = 0;
      for (Book b : books) for (long k : b.bandKeys()) sorted[e++] = k;
      Arrays.sort(sorted);
      // the keys held by two entries or more, each once: the buckets
      int shared = 0;
      for (int i = 0; i < sorted.length; ) {
        int j = i + 1;
        while (j < sorted.length && sorted[j] == sorted[i]) j++;
        if (j - i >= 2) sorted[shared++] = sorted[i];
        i = j;
      }
      KeyIndex index = new KeyIndex(Arrays.copyOf(sorted, shared));
      sorted = null;
      // entries by rank: a book's keys in its buckets (once per bucket), counted then filled
      int[] bookStart = new int[n + 1];
      int[] size = new int[shared];
      int[] scratch = new int[16];
      for (int r = 0; r < n; r++) {
        int c = bucketsOf(books.get(bookOf[r]).bandKeys(), index, scratch = grow(scratch, books.get(bookOf[r]).bandKeys().length));
        for (int x = 0; x < c; x++) size[scratch[x]]++;
        bookStart[r + 1] = bookStart[r] + c;
      }
      int[] start = new int[shared + 1];
      for (int g = 0; g < shared; g++) start[g + 1] = start[g] + size[g];
      int[] members = new int[start[shared]];
      int[] bucketsOfBook = new int[bookStart[n]];
      Arrays.fill(size, 0);
      for (int r = 0; r < n; r++) {
        int c = bucketsOf(books.get(bookOf[r]).bandKeys(), index, scratch);
        for (int x = 0; x < c; x++) {
          int g = scratch[x];
          members[start[g] + size[g]++] = r;
          bucketsOfBook[bookStart[r] + x] = g;
        }
      }
      return new Buckets(start, members, bookStart, bucketsOfBook);
    }

    /** The distinct buckets of these keys into {@code out}; their count. */
    private static int bucketsOf(long[] keys, KeyIndex index, int[] out) {
      int c = 0;
      for (long k : keys) {
        int g = index.of(k);
        if (g < 0) continue;
        boolean again = false;
        for (int x = 0; x < c; x++) again |= out[x] == g;
        if (!again) out[c++] = g;
      }
      return c;
    }

    private static int[] grow(int[] a, int n) {
      return a.length >= n ? a : new int[n];
    }

    int count() {
      return start.length - 1;
    }

    int size(int g) {
      return start[g + 1] - start[g];
    }

    int member(int g, int i) {
      return members[start[g] + i];
    }

    void setMember(int g, int i, int rank) {
      members[start[g] + i] = rank;
    }

    int firstOf(int rank) {
      return bookStart[rank];
    }

    int endOf(int rank) {
      return bookStart[rank + 1];
    }

    int bucketOf(int x) {
      return bucketsOfBook[x];
    }
  }

  /** Sorted distinct keys → their position, by open addressing (the keys are hashes already). */
  private static final class KeyIndex {
    private final long[] keys;
    private final int[] slots; // position + 1, 0 = empty
    private final int mask;

    KeyIndex(long[] distinct) {
      keys = distinct;
      int cap = Integer.highestOneBit(Math.max(4, distinct.length * 2 - 1)) << 1;
      slots = new int[cap];
      mask = cap - 1;
      for (int i = 0; i < distinct.length; i++) {
        int s = slot(distinct[i]);
        while (slots[s] != 0) s = (s + 1) & mask;
        slots[s] = i + 1;
      }
    }

    private int slot(long k) {
      return (int) (MinHash.mix(k) & mask);
    }

    int of(long k) {
      for (int s = slot(k); slots[s] != 0; s = (s + 1) & mask) if (keys[slots[s] - 1] == k) return slots[s] - 1;
      return -1;
    }
  }
}
