package org.lwm.trainer.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.cli.UserError;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.records.PackedRow;
import org.lwm.packing.read.PackedRows;

/**
 * One stage's packed rows, read through sequence-packing's reader ({@link PackedRows}): the lake's {@code packed}
 * table ({@code stage = NAME}, by {@code seq_id}) or a JSON-lines file of DESIGN §6 rows. Held in memory: a stage
 * of a local or modest run.
 */
public final class StageRows implements TrainingRows {
  private final List<PackedRow> rows;
  private final String where;

  private StageRows(List<PackedRow> rows, String where) {
    this.rows = rows;
    this.where = where;
  }

  public static StageRows lake(SparkSession spark, Lake lake, String stage) {
    if (!lake.exists(spark, Tables.PACKED)) {
      throw new UserError("the lake " + lake + " has no '" + Tables.PACKED + "' table: run 'lwm pack' first");
    }
    return new StageRows(PackedRows.stage(spark, lake, stage), "packed stage '" + stage + "' in " + lake);
  }

  public static StageRows jsonLines(Path file) {
    if (!Files.isReadable(file)) throw new UserError("training rows " + file + " do not exist or are not readable");
    return new StageRows(PackedRows.jsonLines(file), "rows of " + file);
  }

  @Override
  public int size() {
    return rows.size();
  }

  @Override
  public PackedRow row(int i) {
    return rows.get(i);
  }

  @Override
  public String describe() {
    return where;
  }
}
