package org.lwm.orchestration.report;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.records.PackedRow;
import org.lwm.core.records.PackedRowSchema;
import org.lwm.core.spark.CatalystRows;

/**
 * The figures reports and notebooks show, computed by Spark where the data is (histograms are binned there, so
 * only counts come back): row counts per table, rejects by reason, a job's counts from its table's properties,
 * length distributions, and per packing stage the fill rate, segments per row and text vs vision tokens.
 */
public final class LakeStats {
  /** One packing stage, summed over its rows (positions with segment 0 are padding). */
  public record Stage(String stage, int seqLen, long rows, long positions, long used, long visionPositions, long lossPositions,
      double meanSegments) {
    public double fillRate() {
      return positions == 0 ? 0 : (double) used / positions;
    }

    public long textPositions() {
      return used - visionPositions;
    }
  }

  /** Rejects of one job for one reason. */
  public record RejectCount(String job, String reason, long count) {}

  private final SparkSession spark;
  private final Lake lake;
  private Dataset<Row> packedRows;

  public LakeStats(SparkSession spark, Lake lake) {
    this.spark = spark;
    this.lake = lake;
  }

  /** Every table of the lake with its row count, in name order. */
  public Map<String, Long> tableCounts() {
    Map<String, Long> out = new LinkedHashMap<>();
    for (String t : lake.tableNames(spark)) out.put(t, lake.read(spark, t).count());
    return out;
  }

  /** Rejects grouped by job and reason, most first; empty when the lake has no rejects table (nothing rejected). */
  public List<RejectCount> rejectsByReason() {
    List<RejectCount> out = new ArrayList<>();
    if (!lake.exists(spark, Tables.REJECTS)) return out;
    for (Row r : lake.read(spark, Tables.REJECTS).groupBy("job", "reason").agg(count(lit(1)).as("n"))
        .orderBy(col("n").desc(), col("job"), col("reason")).collectAsList()) {
      out.add(new RejectCount(r.getString(0), r.getString(1), r.getLong(2)));
    }
    return out;
  }

  /** The counts a job stored in its table's properties ({@code lwm.<job>.<name>}), without the prefix. */
  public Map<String, String> jobCounts(String table, String job) {
    Map<String, String> out = new LinkedHashMap<>();
    String prefix = "lwm." + job + ".";
    lake.properties(spark, table).forEach((k, v) -> {
      if (k.startsWith(prefix)) out.put(k.substring(prefix.length()), v);
    });
    return out;
  }

  /** A numeric SQL expression over a table (e.g. {@code n_tokens}), binned into {@code bins} equal bins. */
  public Histogram histogram(String table, String sqlExpr, int bins) {
    return histogram(lake.read(spark, table), sqlExpr, bins);
  }

  public static Histogram histogram(Dataset<Row> rows, String sqlExpr, int bins) {
    Dataset<Row> v = rows.select(expr(sqlExpr).cast("double").as("v")).where(col("v").isNotNull());
    Row mm = v.agg(org.apache.spark.sql.functions.min("v"), org.apache.spark.sql.functions.max("v")).first();
    long[] counts = new long[bins];
    if (mm.isNullAt(0)) return new Histogram(0, 0, counts);
    double lo = mm.getDouble(0);
    double hi = mm.getDouble(1);
    if (hi == lo) hi = lo + 1; // one value: one bin holds it
    double width = (hi - lo) / bins;
    Dataset<Row> binned = v.select(expr("least(" + (bins - 1) + ", cast(floor((v - " + lo + ") / " + width + ") as int))").as("b"))
        .groupBy("b").count();
    for (Row r : binned.collectAsList()) counts[r.getInt(0)] += r.getLong(1);
    return new Histogram(lo, hi, counts);
  }

  /**
   * An integer-valued SQL expression (e.g. segments per row) counted per value: one bin per integer from the
   * smallest to the largest value (wider bins, still whole numbers, past {@code maxBins}).
   */
  public static Histogram integerHistogram(Dataset<Row> rows, String sqlExpr, int maxBins) {
    Dataset<Row> v = rows.select(expr(sqlExpr).cast("long").as("v")).where(col("v").isNotNull());
    Row mm = v.agg(org.apache.spark.sql.functions.min("v"), org.apache.spark.sql.functions.max("v")).first();
    if (mm.isNullAt(0)) return new Histogram(0, 0, new long[0]);
    long lo = mm.getLong(0);
    long hi = mm.getLong(1);
    long step = Math.max(1, (hi - lo + maxBins) / maxBins);
    int bins = (int) ((hi - lo) / step + 1);
    long[] counts = new long[bins];
    for (Row r : v.select(expr("cast((v - " + lo + ") div " + step + " as int)").as("b")).groupBy("b").count().collectAsList()) {
      counts[r.getInt(0)] += r.getLong(1);
    }
    return new Histogram(lo - 0.5, lo - 0.5 + bins * step, counts);
  }

  /** long_qa: for each target length, the examples' token counts binned over [0, target]. */
  public Map<String, Histogram> longQaLengths(int bins) {
    Map<String, Histogram> out = new LinkedHashMap<>();
    Dataset<Row> qa = lake.read(spark, Tables.LONG_QA);
    for (Row t : qa.select("target_length").distinct().orderBy("target_length").collectAsList()) {
      int target = ((Number) t.get(0)).intValue();
      double width = (double) target / bins;
      long[] counts = new long[bins];
      for (Row r : qa.where(col("target_length").equalTo(target))
          .select(expr("least(" + (bins - 1) + ", cast(floor(n_tokens / " + width + ") as int))").as("b")).groupBy("b").count().collectAsList()) {
        counts[r.getInt(0)] += r.getLong(1);
      }
      out.put("target " + target, new Histogram(0, target, counts));
    }
    return out;
  }

  /**
   * The packed table's per-row figures: stage, seq_id, seq_len, used positions, segments, vision positions, loss
   * positions; computed once and kept (a few numbers per row instead of seven arrays of seq_len).
   */
  public Dataset<Row> packedRows() {
    if (packedRows != null) return packedRows;
    packedRows = lake.read(spark, Tables.PACKED).select(col("stage"), col("seq_id"),
        expr("size(input_ids)").as("seq_len"),
        expr("size(filter(segment_ids, s -> s > 0))").as("used"),
        expr("array_max(segment_ids)").as("segments"),
        expr("size(filter(arrays_zip(segment_ids, input_vision), p -> p.segment_ids > 0 AND p.input_vision))").as("vision"),
        expr("size(filter(loss_weight, w -> w > 0))").as("loss_positions")).persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
    // filled now, by a scan of one packed row per reader batch (a row of 32K positions is ~0.7 MB)
    CatalystRows.planningBookSized(spark, packedRows::count);
    return packedRows;
  }

  /** Each packing stage's totals, shortest stage first. */
  public List<Stage> stages() {
    List<Stage> out = new ArrayList<>();
    for (Row r : packedRows().groupBy("stage").agg(expr("max(seq_len)"), expr("count(1)"), expr("sum(seq_len)"), expr("sum(used)"),
        expr("sum(vision)"), expr("sum(loss_positions)"), expr("avg(segments)")).orderBy(expr("max(seq_len)"), col("stage")).collectAsList()) {
      out.add(new Stage(r.getString(0), r.getInt(1), r.getLong(2), r.getLong(3), r.getLong(4), r.getLong(5), r.getLong(6), r.getDouble(7)));
    }
    return out;
  }

  /** A per-row figure of one stage ({@code used / seq_len}, {@code segments}, ...) binned. */
  public Histogram stageHistogram(String stage, String sqlExpr, int bins) {
    return histogram(packedRows().where(col("stage").equalTo(stage)), sqlExpr, bins);
  }

  /** An integer per-row figure of one stage ({@code segments}) counted per value. */
  public Histogram stageCounts(String stage, String sqlExpr) {
    return integerHistogram(packedRows().where(col("stage").equalTo(stage)), sqlExpr, 40);
  }

  /** One packed row ({@code seqId} < 0: the stage's first row with the most segments). */
  public PackedRow packedRow(String stage, long seqId) {
    Dataset<Row> p = lake.read(spark, Tables.PACKED).where(col("stage").equalTo(stage));
    Row r = CatalystRows.planningBookSized(spark, () -> seqId >= 0 ? p.where(col("seq_id").equalTo(seqId)).first()
        : p.orderBy(expr("array_max(segment_ids)").desc(), col("seq_id")).first());
    return PackedRowSchema.fromRow(r);
  }
}
