package org.lwm.trainer.data;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.lwm.core.cli.UserError;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.records.PackedRow;
import org.lwm.core.records.PackedRowSchema;

/**
 * Training rows of one stage of the lake's {@code packed} table ({@code stage = NAME}), ordered by
 * {@code seq_id} and collected to the driver. Fine for the sample and for a few thousand rows; the
 * sequence-packing module's streaming reader replaces it for large stages.
 */
public final class LakeRows implements TrainingRows {
  private final String where;
  private final List<PackedRow> rows = new ArrayList<>();

  public LakeRows(SparkSession spark, Lake lake, String stage) {
    where = "packed stage '" + stage + "' in " + lake;
    if (!lake.exists(spark, Tables.PACKED)) {
      throw new UserError("the lake " + lake + " has no '" + Tables.PACKED + "' table: run 'lwm pack' first");
    }
    List<Row> collected = lake.read(spark, Tables.PACKED).where(functions.col("stage").equalTo(stage))
        .orderBy("seq_id").collectAsList();
    for (Row r : collected) rows.add(PackedRowSchema.fromRow(r));
    if (rows.isEmpty()) throw new UserError(where + " holds no rows: pack that stage first or fix the stage name");
  }

  @Override public int size() { return rows.size(); }

  @Override public PackedRow row(int i) { return rows.get(i); }

  @Override public String describe() { return where; }
}
