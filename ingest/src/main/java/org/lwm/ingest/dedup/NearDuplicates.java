package org.lwm.ingest.dedup;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Which new books are near-duplicates of a book the lake keeps or of an earlier new book. Banded MinHash
 * proposes candidate pairs (only pairs with a new book), exact Jaccard similarity of the shingle
 * sets decides, and the decision is made on the driver in a fixed order: books already in the lake first, then
 * new books by source; a new book similar to a kept book is a duplicate of it, else it is kept. So a duplicate
 * always names a book that is in the lake, and chains (A≈B≈C, A≉C) do not remove C through B.
 */
public final class NearDuplicates {
  private NearDuplicates() {}

  /** A new book judged a near-duplicate of {@code keptId} (at {@code keptSource}) with this similarity. */
  public record Match(String bookId, String keptId, String keptSource, double jaccard) {}

  /** A book with its band keys: a new one (fresh) or one the lake keeps. */
  public record Book(String bookId, String source, boolean fresh, long[] bandKeys) implements java.io.Serializable {}

  /**
   * The near-duplicates among {@code books}: candidate pairs from shared band keys (a hash map of band key to books
   * on the driver: no all-pairs join, no shuffle; only pairs with a new book, since two lake books were judged when
   * they came in), verified by exact Jaccard similarity of their shingle sets, which {@code shingles} supplies for
   * the books of some candidate pair only, then {@link #decide}d.
   */
  public static List<Match> find(List<Book> books, Function<Set<String>, Map<String, long[]>> shingles, double threshold) {
    Map<String, Book> byId = new HashMap<>();
    for (Book b : books) byId.put(b.bookId(), b);
    Map<Long, List<String>> buckets = new HashMap<>();
    for (Book b : books) {
      for (long k : b.bandKeys()) {
        List<String> ids = buckets.computeIfAbsent(k, x -> new ArrayList<>(1));
        if (ids.isEmpty() || !ids.get(ids.size() - 1).equals(b.bookId())) ids.add(b.bookId());
      }
    }
    Set<List<String>> pairs = new LinkedHashSet<>();
    for (List<String> ids : buckets.values()) {
      if (ids.size() < 2) continue;
      for (int i = 0; i < ids.size(); i++) {
        for (int j = i + 1; j < ids.size(); j++) {
          String a = ids.get(i);
          String b = ids.get(j);
          if (a.equals(b) || !(byId.get(a).fresh() || byId.get(b).fresh())) continue;
          pairs.add(a.compareTo(b) < 0 ? List.of(a, b) : List.of(b, a));
        }
      }
    }
    if (pairs.isEmpty()) return List.of();
    Set<String> involved = new TreeSet<>();
    for (List<String> p : pairs) involved.addAll(p);
    Map<String, long[]> sets = shingles.apply(involved);
    List<Row> similar = new ArrayList<>();
    for (List<String> p : pairs) {
      double j = MinHash.jaccard(sets.get(p.get(0)), sets.get(p.get(1)));
      if (j >= threshold) similar.add(RowFactory.create(p.get(0), p.get(1), j));
    }
    if (similar.isEmpty()) return List.of();
    Map<String, String> sourceOf = new HashMap<>();
    Map<String, Boolean> isFresh = new HashMap<>();
    for (String id : involved) {
      sourceOf.put(id, byId.get(id).source());
      isFresh.put(id, byId.get(id).fresh());
    }
    return decide(similar, sourceOf, isFresh);
  }

  /** The ordered decision, separate from Spark so it can be tested on its own. */
  static List<Match> decide(List<Row> similar, Map<String, String> sourceOf, Map<String, Boolean> isFresh) {
    Map<String, Map<String, Double>> neighbours = new HashMap<>();
    for (Row r : similar) {
      neighbours.computeIfAbsent(r.getString(0), k -> new HashMap<>()).put(r.getString(1), r.getDouble(2));
      neighbours.computeIfAbsent(r.getString(1), k -> new HashMap<>()).put(r.getString(0), r.getDouble(2));
    }
    Set<String> keptSet = new HashSet<>();
    List<String> freshOrder = new ArrayList<>();
    for (String id : neighbours.keySet()) {
      if (Boolean.TRUE.equals(isFresh.get(id))) freshOrder.add(id);
      else keptSet.add(id);
    }
    freshOrder.sort(Comparator.comparing((String id) -> sourceOf.get(id)).thenComparing(id -> id));
    List<Match> matches = new ArrayList<>();
    for (String id : freshOrder) {
      String best = null;
      double bestJ = -1;
      for (Map.Entry<String, Double> n : neighbours.get(id).entrySet()) {
        if (!keptSet.contains(n.getKey())) continue;
        boolean better = n.getValue() > bestJ
            || (n.getValue() == bestJ && sourceOf.get(n.getKey()).compareTo(sourceOf.get(best)) < 0);
        if (better) {
          best = n.getKey();
          bestJ = n.getValue();
        }
      }
      if (best == null) keptSet.add(id);
      else matches.add(new Match(id, best, sourceOf.get(best), bestJ));
    }
    return matches;
  }
}
