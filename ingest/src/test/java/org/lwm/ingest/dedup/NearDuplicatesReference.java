package org.lwm.ingest.dedup;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/** Test-side entry points of {@link NearDuplicates}: shingle sets from a map, and the old pairwise decision as the reference. */
final class NearDuplicatesReference {
  private NearDuplicatesReference() {}

  /**
   * The near-duplicates among {@code books}, with the shingle sets given as a map by book id (small inputs, tests).
   */
  static List<NearDuplicates.Match> find(List<NearDuplicates.Book> books, Function<Set<String>, Map<String, long[]>> shingles, double threshold) {
    return NearDuplicates.findByIndex(books, fromMap(books, shingles), threshold);
  }

  /** Shingle sets by position in {@code books} from sets by book id. */
  static Function<int[], NearDuplicates.Shingles> fromMap(List<NearDuplicates.Book> books, Function<Set<String>, Map<String, long[]>> shingles) {
    return wanted -> {
      Set<String> ids = new TreeSet<>();
      for (int i : wanted) ids.add(books.get(i).bookId());
      Map<String, long[]> sets = shingles.apply(ids);
      List<Tuple2<Integer, long[]>> packed = new ArrayList<>();
      for (int i : wanted) {
        long[] set = sets.get(books.get(i).bookId());
        if (set != null) packed.add(new Tuple2<>(i, set));
      }
      return new NearDuplicates.Shingles(books.size()).add(NearDuplicates.Packed.of(packed.iterator()));
    };
  }

  /** The ordered decision over verified pairs (a, b, Jaccard), the rule {@link NearDuplicates#findByIndex} applies, pair by pair. */
  static List<NearDuplicates.Match> decide(List<Row> similar, Map<String, String> sourceOf, Map<String, Boolean> isFresh) {
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
    List<NearDuplicates.Match> matches = new ArrayList<>();
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
      else matches.add(new NearDuplicates.Match(id, best, sourceOf.get(best), bestJ));
    }
    return matches;
  }
}
