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

  /**
   * Rows per batch of Spark's vectorized Parquet reader for tables whose rows are whole books ({@link #ofBooks}).
   * The reader decodes a batch of rows into column vectors that grow to twice the largest batch and stay that size
   * for the file; at Spark's default of 4096 rows a batch of book-sized arrays is a whole file of a table (1 GB of
   * books: more than a 3 GiB heap holds with two tasks). At one row a task holds at most about 2 × its largest row
   * (plus the copy a job takes of it), whatever the number of books; the per-batch overhead is a few microseconds,
   * nothing next to decoding or writing a book's row.
   */
  public static final int BOOK_ROWS_PER_BATCH = 1;

  private static final String READER_BATCH = "spark.sql.parquet.columnarReaderBatchSize";

  /** The rows of a Dataset in Spark's internal format (no conversion to external Rows). */
  public static JavaRDD<InternalRow> of(Dataset<Row> rows) {
    return rows.queryExecution().toRdd().toJavaRDD();
  }

  /**
   * {@link #of} for a Dataset whose Parquet scans read rows that may each hold a whole book (text, token or mask
   * arrays): its scans are planned with {@link #BOOK_ROWS_PER_BATCH} rows per reader batch, so their memory is
   * bounded by the largest row, not by how many rows a file holds.
   */
  public static JavaRDD<InternalRow> ofBooks(Dataset<Row> rows) {
    return planningBookSized(rows.sparkSession(), () -> of(rows));
  }

  /**
   * {@code work} with the session's Parquet scans planned at {@link #BOOK_ROWS_PER_BATCH} rows per reader batch: for
   * actions (a write, {@code toLocalIterator}) over tables of book-sized rows ({@code books}, {@code book_tokens},
   * {@code examples}, {@code packed}: a 32K-position packed row is ~0.7 MB). The setting is put back afterwards;
   * scans planned inside keep it.
   */
  public static <T> T planningBookSized(SparkSession spark, java.util.function.Supplier<T> work) {
    return SessionConf.with(spark, READER_BATCH, String.valueOf(BOOK_ROWS_PER_BATCH), work);
  }

  /** A DataFrame over rows already in Spark's internal format; each row must match {@code schema}. */
  public static Dataset<Row> dataFrame(SparkSession spark, JavaRDD<InternalRow> rows, StructType schema) {
    return spark.internalCreateDataFrame(rows.rdd(), schema, false);
  }
}
