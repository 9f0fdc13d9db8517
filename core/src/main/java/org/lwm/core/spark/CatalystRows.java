package org.lwm.core.spark;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;

/**
 * Jobs that move large arrays ({@code array<int>} tokens, masks) between Spark and Java code read and write Spark's
 * own row format ({@link InternalRow}, arrays as {@code UnsafeArrayData}) instead of external {@link Row}s: the
 * external form boxes every element ({@code List<Integer>} in, {@code Integer[]} out) and converts it once more
 * through Spark's generic converters, which was most of those jobs' CPU. The rows of {@link #of} may be reused by
 * the scan: read a row's values before asking for the next one.
 */
public final class CatalystRows {
  private CatalystRows() {}

  /** The rows of a Dataset in Spark's internal format (no conversion to external Rows). */
  public static JavaRDD<InternalRow> of(Dataset<Row> rows) {
    return rows.queryExecution().toRdd().toJavaRDD();
  }

  /** A DataFrame over rows already in Spark's internal format; each row must match {@code schema}. */
  public static Dataset<Row> dataFrame(SparkSession spark, JavaRDD<InternalRow> rows, StructType schema) {
    return spark.internalCreateDataFrame(rows.rdd(), schema, false);
  }
}
