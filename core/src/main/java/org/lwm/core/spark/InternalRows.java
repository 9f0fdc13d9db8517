package org.lwm.core.spark;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Rows a job computes in Java (token ids, texts) handed to Spark in its own internal form, for writes of large
 * columns: {@code createDataFrame(JavaRDD<Row>, schema)} converts every value through Spark's row converters, which box
 * each element of an {@code int[]} into an {@code Integer} and re-encode every {@code String}; here an
 * {@code int[]} is copied once into an {@link UnsafeArrayData} and UTF-8 bytes are wrapped as they are. The
 * values must match the schema's types: {@link UTF8String} for strings ({@link #string}, {@link #utf8}),
 * {@link UnsafeArrayData} for primitive arrays ({@link #ints}, {@link #floats}, {@link #booleans}), boxed
 * {@code Long}/{@code Integer}/{@code Double} for scalars, null where nullable.
 */
public final class InternalRows {
  private InternalRows() {}

  /** A DataFrame over rows already in Spark's internal form (one Spark plan, no conversion pass). */
  public static Dataset<Row> dataFrame(SparkSession spark, JavaRDD<InternalRow> rows, StructType schema) {
    return spark.internalCreateDataFrame(rows.rdd(), schema, false);
  }

  public static InternalRow row(Object... values) {
    return new GenericInternalRow(values);
  }

  public static UTF8String string(String s) {
    return s == null ? null : UTF8String.fromString(s);
  }

  /** Bytes that are valid UTF-8, wrapped without a copy: they must not change afterwards. */
  public static UTF8String utf8(byte[] bytes) {
    return bytes == null ? null : UTF8String.fromBytes(bytes);
  }

  public static UnsafeArrayData ints(int[] values) {
    return UnsafeArrayData.fromPrimitiveArray(values);
  }

  public static UnsafeArrayData floats(float[] values) {
    return UnsafeArrayData.fromPrimitiveArray(values);
  }

  public static UnsafeArrayData booleans(boolean[] values) {
    return UnsafeArrayData.fromPrimitiveArray(values);
  }
}
