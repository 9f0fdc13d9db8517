package org.lwm.core.lake;

import io.delta.tables.DeltaTable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The lake's {@code rejects} table (job, source, reason, detail, at). Recording is idempotent: a reject
 * is keyed by (job, source, reason), so a job re-run on the same inputs leaves the table as it was.
 */
public final class Rejects {
  public static final StructType SCHEMA = new StructType()
      .add("job", DataTypes.StringType, false)
      .add("source", DataTypes.StringType, false)
      .add("reason", DataTypes.StringType, false)
      .add("detail", DataTypes.StringType, true)
      .add("at", DataTypes.TimestampType, false);

  private Rejects() {}

  public static Row toRow(Reject r) {
    return RowFactory.create(r.job(), r.source(), r.reason(), r.detail(), r.at());
  }

  /** Records the given rejects; does nothing for an empty list. */
  public static void record(SparkSession spark, Lake lake, List<Reject> rejects) {
    if (rejects.isEmpty()) return;
    List<Row> rows = new ArrayList<>(rejects.size());
    for (Reject r : rejects) rows.add(toRow(r));
    record(spark, lake, spark.createDataFrame(rows, SCHEMA));
  }

  /** Records rejects computed by Spark; {@code rows} must have {@link #SCHEMA}'s columns. */
  public static void record(SparkSession spark, Lake lake, Dataset<Row> rows) {
    Dataset<Row> r = rows.select("job", "source", "reason", "detail", "at").dropDuplicates("job", "source", "reason");
    if (!lake.exists(spark, Tables.REJECTS)) {
      lake.append(r, Tables.REJECTS);
      return;
    }
    DeltaTable.forPath(spark, lake.table(Tables.REJECTS)).as("t")
        .merge(r.as("s"), "t.job = s.job AND t.source = s.source AND t.reason = s.reason")
        .whenNotMatched().insertAll()
        .execute();
  }
}
