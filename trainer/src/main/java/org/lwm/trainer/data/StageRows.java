package org.lwm.trainer.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.cli.UserError;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.records.PackedRow;
import org.lwm.packing.read.PackedRows;

/**
 * Where one stage's packed rows come from, as a stream: the lake's {@code packed} table ({@code stage = NAME}, one
 * partition at a time) or a JSON-lines file of DESIGN §6 rows. The trainer copies the stream once into the run's
 * row file, which every rank then reads a row at a time through sequence-packing's {@code PackedReader}.
 */
public final class StageRows {
  private final Supplier<Iterator<PackedRow>> rows;
  private final String where;

  private StageRows(Supplier<Iterator<PackedRow>> rows, String where) {
    this.rows = rows;
    this.where = where;
  }

  public static StageRows lake(SparkSession spark, Lake lake, String stage) {
    if (!lake.exists(spark, Tables.PACKED)) {
      throw new UserError("the lake " + lake + " has no '" + Tables.PACKED + "' table: run 'lwm pack' first");
    }
    return new StageRows(() -> PackedRows.streamStage(spark, lake, stage), "packed stage '" + stage + "' in " + lake);
  }

  public static StageRows jsonLines(Path file) {
    if (!Files.isReadable(file)) throw new UserError("training rows " + file + " do not exist or are not readable");
    return new StageRows(() -> PackedRows.jsonLines(file).iterator(), "rows of " + file);
  }

  /** Rows already in memory (tests, the demo's small stages). */
  public static StageRows of(List<PackedRow> rows, String where) {
    return new StageRows(rows::iterator, where);
  }

  /** A new pass over the rows, in no particular order. */
  public Iterator<PackedRow> rows() {
    return rows.get();
  }

  /** Where the rows come from, for messages ("packed stage s2k in file:/lake"). */
  public String describe() {
    return where;
  }
}
