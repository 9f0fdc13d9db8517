package org.lwm.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;

import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.lwm.core.LwmVersion;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Reject;
import org.lwm.core.lake.Rejects;
import org.lwm.core.lake.Tables;

/**
 * {@code books}: directory trees of {@code .txt} files (local, s3a://, hdfs://) into the lake, one row per
 * distinct text. Re-running on the same inputs changes nothing (MERGE by book_id, rejects keyed by
 * job+source+reason); every file seen is written, unchanged, a duplicate or a reject.
 */
public final class BooksJob {
  public static final String JOB = "ingest-books";

  /** Rows as read: a book (text set) or a reject (reason set). */
  static final StructType READ_SCHEMA = new StructType()
      .add("source", DataTypes.StringType, false)
      .add("title", DataTypes.StringType, true)
      .add("text", DataTypes.StringType, true)
      .add("n_chars", DataTypes.LongType, true)
      .add("book_id", DataTypes.StringType, true)
      .add("reason", DataTypes.StringType, true)
      .add("detail", DataTypes.StringType, true);

  private BooksJob() {}

  public static JobCounts run(SparkSession spark, Lake lake, List<String> inputs, Config config) {
    int minChars = config.getInt("ingest.min_chars", 100);
    long maxBytes = config.getLong("ingest.max_book_bytes", 64L << 20);
    JobCounts counts = new JobCounts(JOB);
    List<Reject> listingRejects = new ArrayList<>();
    List<String> files = listTextFiles(spark, inputs, maxBytes, listingRejects);
    counts.put("files_seen", files.size() + listingRejects.size());

    Dataset<Row> read = readFiles(spark, files, minChars);
    read.cache();
    Dataset<Row> bad = read.where(col("reason").isNotNull());
    Dataset<Row> good = read.where(col("reason").isNull());

    // exact duplicates inside this batch: the first source (by name) wins
    Dataset<Row> ranked = good.withColumn("rank", row_number().over(Window.partitionBy("book_id").orderBy("source")));
    Dataset<Row> firsts = ranked.where(col("rank").equalTo(1)).drop("rank");
    Dataset<Row> batchDups = ranked.where(col("rank").gt(1)).drop("rank");

    // against what the lake already holds: same source = unchanged; other source = duplicate
    boolean exists = lake.exists(spark, Tables.BOOKS);
    Dataset<Row> fresh = firsts;
    Dataset<Row> lakeDups = firsts.limit(0);
    long unchanged = 0;
    if (exists) {
      Dataset<Row> have = lake.read(spark, Tables.BOOKS).select(col("book_id").as("have_id"), col("source").as("have_source"));
      Dataset<Row> joined = firsts.join(have, firsts.col("book_id").equalTo(have.col("have_id")), "left");
      fresh = joined.where(col("have_id").isNull()).drop("have_id", "have_source");
      unchanged = joined.where(col("have_id").isNotNull().and(col("have_source").equalTo(col("source")))).count();
      lakeDups = joined.where(col("have_id").isNotNull().and(col("have_source").notEqual(col("source")))).drop("have_id", "have_source");
    }
    Dataset<Row> dups = batchDups.unionByName(lakeDups);

    Dataset<Row> books = fresh.select("book_id", "source", "title", "text", "n_chars");
    long written = books.count();
    if (!exists) {
      lake.overwrite(books, Tables.BOOKS);
    } else if (written > 0) {
      DeltaTable.forPath(spark, lake.table(Tables.BOOKS)).as("t")
          .merge(books.as("s"), "t.book_id = s.book_id")
          .whenNotMatched().insertAll()
          .execute();
    }

    Dataset<Row> rejectRows = bad.select(lit(JOB).as("job"), col("source"), col("reason"), col("detail"), current_timestamp().as("at"))
        .unionByName(dups.select(lit(JOB).as("job"), col("source"), concat(lit("duplicate-of:"), col("book_id")).as("reason"),
            lit("same text as an earlier book").as("detail"), current_timestamp().as("at")));
    List<Reject> rejects = new ArrayList<>(listingRejects);
    for (Row r : rejectRows.collectAsList()) {
      rejects.add(new Reject(r.getString(0), r.getString(1), r.getString(2), r.getString(3), r.getTimestamp(4)));
    }
    Rejects.record(spark, lake, rejects);

    long duplicates = rejects.stream().filter(r -> r.reason().startsWith("duplicate-of:")).count();
    Map<String, Long> byReason = new TreeMap<>();
    rejects.stream().filter(r -> !r.reason().startsWith("duplicate-of:")).forEach(r -> byReason.merge(r.reason(), 1L, Long::sum));
    counts.put("books_written", written).put("unchanged", unchanged).put("duplicates", duplicates);
    long rejected = 0;
    for (Map.Entry<String, Long> e : byReason.entrySet()) {
      counts.put("rejected." + e.getKey(), e.getValue());
      rejected += e.getValue();
    }
    counts.put("rejected", rejected);
    read.unpersist();

    Map<String, String> props = new java.util.LinkedHashMap<>(counts.asProperties());
    props.put("lwm.code_version", LwmVersion.get());
    props.put("lwm.config_hash", config.hash("ingest"));
    lake.setProperties(spark, Tables.BOOKS, props);
    return counts;
  }

  private static List<String> listTextFiles(SparkSession spark, List<String> inputs, long maxBytes, List<Reject> rejects) {
    List<String> files = new ArrayList<>();
    for (String input : inputs) {
      try {
        Path root = new Path(input.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*") ? input : java.nio.file.Path.of(input).toAbsolutePath().toUri().toString());
        FileSystem fs = FileSystem.get(URI.create(root.toString()), spark.sparkContext().hadoopConfiguration());
        if (!fs.exists(root)) throw new UserError("input " + input + " does not exist");
        RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
        while (it.hasNext()) {
          LocatedFileStatus st = it.next();
          String name = st.getPath().getName();
          if (name.startsWith(".") || name.startsWith("_")) continue; // hidden and marker files are not inputs
          String path = st.getPath().toString();
          if (!name.endsWith(".txt")) {
            rejects.add(Reject.now(JOB, path, "unsupported-format", "not a .txt file"));
          } else if (st.getLen() > maxBytes) {
            rejects.add(Reject.now(JOB, path, "too-large", st.getLen() + " bytes > ingest.max_book_bytes " + maxBytes));
          } else {
            files.add(path);
          }
        }
      } catch (IOException e) {
        throw new UserError("cannot list input " + input + ": " + e.getMessage());
      }
    }
    files.sort(String::compareTo);
    return files;
  }

  private static Dataset<Row> readFiles(SparkSession spark, List<String> files, int minChars) {
    if (files.isEmpty()) return spark.createDataFrame(List.of(), READ_SCHEMA);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int slices = Math.max(1, Math.min(files.size(), jsc.defaultParallelism() * 4));
    JavaRDD<Row> rows = jsc.binaryFiles(String.join(",", files), slices).map(f -> {
      byte[] bytes = f._2().toArray();
      BookText.Decoded d = BookText.decode(bytes, minChars);
      if (!d.ok()) return RowFactory.create(f._1(), null, null, null, null, d.rejectReason(), d.rejectDetail());
      return RowFactory.create(f._1(), BookText.titleFromPath(f._1()), d.text(),
          (long) d.text().codePointCount(0, d.text().length()), BookText.bookId(d.text()), null, null);
    });
    return spark.createDataFrame(rows, READ_SCHEMA);
  }
}
