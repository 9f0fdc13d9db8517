package org.lwm.trainer.eval;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.cli.UserError;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;

/** The needle eval's haystack: the lake's books in {@code book_id} order, concatenated up to a size. */
public final class Haystack {
  private Haystack() {}

  public static String fromBooks(SparkSession spark, Lake lake, int maxChars) {
    if (!lake.exists(spark, Tables.BOOKS)) {
      throw new UserError("the lake " + lake + " has no 'books' table: run 'lwm ingest books' first or pass --haystack FILE");
    }
    StringBuilder sb = new StringBuilder();
    java.util.Iterator<Row> it = lake.read(spark, Tables.BOOKS).select("book_id", "text").orderBy("book_id").toLocalIterator();
    while (it.hasNext() && sb.length() < maxChars) {
      String text = it.next().getString(1);
      if (text == null) continue;
      if (sb.length() > 0) sb.append("\n\n");
      sb.append(text, 0, Math.min(text.length(), maxChars - sb.length()));
    }
    if (sb.length() == 0) throw new UserError("the lake's books table is empty");
    return sb.toString();
  }
}
