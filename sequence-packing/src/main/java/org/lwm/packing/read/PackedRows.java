package org.lwm.packing.read;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.cli.UserError;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.records.PackedRow;
import org.lwm.core.records.PackedRowJson;
import org.lwm.core.records.PackedRowSchema;
import org.lwm.core.spark.CatalystRows;

/** Where the reader's rows come from: one stage of the lake's {@code packed} table, or a JSON-lines file. */
public final class PackedRows {
  private PackedRows() {}

  /** Every row of {@code stage}, sorted by seq_id (held in memory: one stage of a local or modest run). */
  public static List<PackedRow> stage(SparkSession spark, Lake lake, String stage) {
    List<PackedRow> out = new ArrayList<>();
    var table = lake.read(spark, Tables.PACKED);
    for (Row r : table.where(col("stage").equalTo(lit(stage))).orderBy("seq_id").collectAsList()) out.add(PackedRowSchema.fromRow(r));
    if (out.isEmpty()) {
      List<String> stages = new ArrayList<>();
      for (Row r : table.select("stage").distinct().orderBy("stage").collectAsList()) stages.add(r.getString(0));
      throw new UserError("stage '" + stage + "' has no rows in " + lake.table(Tables.PACKED) + " (stages: " + String.join(", ", stages)
          + "): run lwm pack run --stage " + stage);
    }
    return out;
  }

  /**
   * Every row of {@code stage}, one partition at a time (Spark's local iterator), in no particular order: what
   * {@link PackedRowFile#write} takes, so the driver never holds the stage. One row per Parquet reader batch: a
   * default batch holds up to 4096 rows, a whole row group of ~0.7 MB rows at 32K positions, in each column's vector.
   */
  public static Iterator<PackedRow> streamStage(SparkSession spark, Lake lake, String stage) {
    var table = lake.read(spark, Tables.PACKED);
    Iterator<Row> it = CatalystRows.planningBookSized(spark, () -> table.where(col("stage").equalTo(lit(stage))).toLocalIterator());
    if (!it.hasNext()) stage(spark, lake, stage); // throws the error that names the stages there are
    return new Iterator<>() {
      @Override public boolean hasNext() { return it.hasNext(); }

      @Override public PackedRow next() { return PackedRowSchema.fromRow(it.next()); }
    };
  }

  public static List<PackedRow> jsonLines(Path file) {
    try (BufferedReader in = Files.newBufferedReader(file)) {
      return PackedRowJson.readAll(in, file.toString());
    } catch (IOException e) {
      throw new UserError("packed rows " + file + " cannot be read: " + e.getMessage());
    }
  }
}
