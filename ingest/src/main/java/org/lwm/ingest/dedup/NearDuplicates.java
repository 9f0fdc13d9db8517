package org.lwm.ingest.dedup;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Which new books are near-duplicates of a book the lake keeps or of an earlier new book. Banded MinHash
 * proposes candidate pairs across Spark (only pairs with a new book), exact Jaccard similarity of the shingle
 * sets decides, and the decision is made on the driver in a fixed order: books already in the lake first, then
 * new books by source; a new book similar to a kept book is a duplicate of it, else it is kept. So a duplicate
 * always names a book that is in the lake, and chains (A≈B≈C, A≉C) do not remove C through B.
 */
public final class NearDuplicates {
  private NearDuplicates() {}

  /** A new book judged a near-duplicate of {@code keptId} (at {@code keptSource}) with this similarity. */
  public record Match(String bookId, String keptId, String keptSource, double jaccard) {}

  private static final StructType BANDS = new StructType()
      .add("key", DataTypes.LongType, false)
      .add("book_id", DataTypes.StringType, false);

  private static final StructType PAIRS = new StructType()
      .add("a", DataTypes.StringType, false)
      .add("b", DataTypes.StringType, false)
      .add("jaccard", DataTypes.DoubleType, false);

  /**
   * @param fresh new books (book_id, source, text), distinct by book_id and absent from the lake
   * @param kept books the lake already holds (book_id, source, text), or null
   */
  public static List<Match> find(SparkSession spark, Dataset<Row> fresh, Dataset<Row> kept, MinHash minHash, double threshold) {
    Dataset<Row> all = fresh.select(col("book_id"), col("source"), col("text"), lit(true).as("fresh"));
    if (kept != null) all = all.unionByName(kept.select(col("book_id"), col("source"), col("text"), lit(false).as("fresh")));

    JavaRDD<Row> bandRows = all.select("book_id", "text").javaRDD().flatMap(r -> {
      long[] keys = minHash.bandKeys(minHash.signature(minHash.shingles(r.getString(1))));
      List<Row> out = new ArrayList<>(keys.length);
      for (long k : keys) out.add(RowFactory.create(k, r.getString(0)));
      return out.iterator();
    });
    Dataset<Row> bands = spark.createDataFrame(bandRows, BANDS).dropDuplicates().cache();
    Dataset<Row> freshIds = fresh.select(col("book_id").as("fid"));
    Dataset<Row> a = bands.select(col("key"), col("book_id").as("a"));
    Dataset<Row> b = bands.select(col("key").as("key_b"), col("book_id").as("b"));
    Dataset<Row> candidates = a.join(b, col("key").equalTo(col("key_b")).and(col("a").lt(col("b"))))
        .select("a", "b").distinct();
    // only pairs that involve a new book: two lake books were judged when they came in
    candidates = candidates.join(freshIds, col("a").equalTo(col("fid")), "left")
        .withColumnRenamed("fid", "fa")
        .join(freshIds, col("b").equalTo(col("fid")), "left")
        .where(col("fa").isNotNull().or(col("fid").isNotNull()))
        .select("a", "b");

    Dataset<Row> texts = all.select(col("book_id"), col("text"));
    JavaRDD<Row> verified = candidates
        .join(texts.withColumnRenamed("book_id", "ida").withColumnRenamed("text", "ta"), col("a").equalTo(col("ida")))
        .join(texts.withColumnRenamed("book_id", "idb").withColumnRenamed("text", "tb"), col("b").equalTo(col("idb")))
        .select("a", "b", "ta", "tb").javaRDD()
        .map(r -> RowFactory.create(r.getString(0), r.getString(1),
            MinHash.jaccard(minHash.shingles(r.getString(2)), minHash.shingles(r.getString(3)))));
    List<Row> similar = spark.createDataFrame(verified, PAIRS).where(col("jaccard").geq(threshold)).collectAsList();
    bands.unpersist();
    if (similar.isEmpty()) return List.of();

    Set<String> involved = new HashSet<>();
    for (Row r : similar) {
      involved.add(r.getString(0));
      involved.add(r.getString(1));
    }
    Map<String, String> sourceOf = new HashMap<>();
    Map<String, Boolean> isFresh = new HashMap<>();
    Dataset<Row> ids = spark.createDataFrame(involved.stream().map(s -> RowFactory.create(s)).toList(),
        new StructType().add("iid", DataTypes.StringType, false));
    for (Row r : all.select("book_id", "source", "fresh").join(ids, col("book_id").equalTo(col("iid"))).select("book_id", "source", "fresh").collectAsList()) {
      sourceOf.put(r.getString(0), r.getString(1));
      isFresh.put(r.getString(0), r.getBoolean(2));
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
