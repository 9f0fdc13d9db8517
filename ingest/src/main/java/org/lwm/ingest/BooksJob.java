package org.lwm.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;

import io.delta.tables.DeltaTable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Reject;
import org.lwm.core.lake.Rejects;
import org.lwm.core.lake.Tables;
import org.lwm.core.step.ConfigKey;
import org.lwm.core.step.SourceFiles;
import org.lwm.core.step.Step;
import org.lwm.core.step.StepExecution;
import org.lwm.ingest.dedup.MinHash;
import org.lwm.ingest.dedup.NearDuplicates;
import org.lwm.ingest.source.BookSources;
import org.lwm.ingest.source.HadoopFiles;
import org.lwm.ingest.source.SourceRecord;
import org.lwm.ingest.source.Streams;

/**
 * {@code books}: book files of every supported format (see {@link BookSources}; Parquet with a text column)
 * from local, s3a:// or hdfs:// inputs into the lake, one row per distinct text.
 *
 * <p>Every item seen ends in exactly one of four counts, and {@code seen = books_written + unchanged +
 * duplicates + rejected} holds on every run: books_written (new text), unchanged (the same text from the same source is
 * already in the lake: a re-run), duplicates (the same text as, or a near-duplicate of, a book the lake
 * keeps; recorded in rejects as {@code duplicate-of:<book_id>}), rejected (with the reason). Re-running on
 * the same inputs writes nothing (MERGE by book_id; rejects keyed by job+source+reason).
 *
 * <p>Config: {@code ingest.min_chars} (100), {@code ingest.max_book_bytes} (64 MiB: the most bytes one book,
 * tar entry or JSON line may have; larger ones are rejected as too-large without being read into memory),
 * {@code ingest.text_column} / {@code ingest.title_column} (Parquet; text, title), {@code ingest.near_dup.*}:
 * {@code enabled} (true), {@code threshold} (Jaccard 0.8), {@code shingle_words} (5), {@code bands} (16),
 * {@code rows} (8).
 */
public final class BooksJob implements Step {
  public static final String JOB = "ingest-books";
  /** The inputs (comma-separated URIs): {@code --input}. */
  public static final String INPUT = "ingest.books.input";

  /** Rows as read: a book (text set) or a reject (reason set). */
  static final StructType READ_SCHEMA = new StructType()
      .add("source", DataTypes.StringType, false)
      .add("title", DataTypes.StringType, true)
      .add("text", DataTypes.StringType, true)
      .add("n_chars", DataTypes.LongType, true)
      .add("book_id", DataTypes.StringType, true)
      .add("reason", DataTypes.StringType, true)
      .add("detail", DataTypes.StringType, true);

  @Override
  public String name() {
    return "ingest books";
  }

  @Override
  public String description() {
    return "book files (txt trees, tar, Pile jsonl, Parquet) into 'books', duplicates and bad inputs into 'rejects'";
  }

  @Override
  public List<String> reads() {
    return List.of();
  }

  @Override
  public List<String> writes() {
    return List.of(Tables.BOOKS, Tables.REJECTS);
  }

  @Override
  public List<ConfigKey> keys() {
    return List.of(
        ConfigKey.of(INPUT, "book files or directory trees (path, file://, s3a://, hdfs://), comma-separated"),
        ConfigKey.of("ingest.min_chars", "100", "shorter books are rejected as too-short"),
        ConfigKey.of("ingest.max_book_bytes", String.valueOf(64L << 20), "larger books are rejected as too-large without being read"),
        ConfigKey.of("ingest.text_column", "text", "Parquet: the column holding the text"),
        ConfigKey.of("ingest.title_column", "title", "Parquet: the column holding the title"),
        ConfigKey.of("ingest.near_dup.*", "near-duplicate detection: enabled, threshold, shingle_words, bands, rows"));
  }

  @Override
  public String sourceVersion(SparkSession spark, Config config) {
    return SourceFiles.version(spark, config.getList(INPUT));
  }

  @Override
  public JobCounts run(SparkSession spark, Lake lake, Config config) {
    List<String> inputs = config.getList(INPUT);
    if (inputs.isEmpty()) throw new UserError("ingest books: no input: pass --input URI (config " + INPUT + ")");
    return ingest(spark, lake, inputs, config);
  }

  /** The step with its provenance, on these inputs. */
  public static JobCounts run(SparkSession spark, Lake lake, List<String> inputs, Config config) {
    return StepExecution.run(new BooksJob(), spark, lake, config.withList(INPUT, inputs));
  }

  private static JobCounts ingest(SparkSession spark, Lake lake, List<String> inputs, Config config) {
    int minChars = config.getInt("ingest.min_chars", 100);
    long maxBytes = config.getLong("ingest.max_book_bytes", 64L << 20);
    JobCounts counts = new JobCounts(JOB);
    HadoopFiles fs = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
    List<HadoopFiles.InputFile> files = fs.list(inputs, name -> true);
    List<HadoopFiles.InputFile> parquet = files.stream().filter(f -> BookSources.formatOf(f.uri()) == BookSources.Format.PARQUET).toList();
    List<HadoopFiles.InputFile> streamed = files.stream().filter(f -> BookSources.formatOf(f.uri()) != BookSources.Format.PARQUET).toList();
    counts.put("files_seen", files.size());

    Dataset<Row> read = readStreamed(spark, fs, streamed, minChars, maxBytes);
    if (!parquet.isEmpty()) read = read.unionByName(readParquet(spark, parquet, config, minChars, maxBytes));
    read = read.persist(StorageLevel.MEMORY_AND_DISK());
    long seen = read.count();
    counts.put("seen", seen);
    Dataset<Row> bad = read.where(col("reason").isNotNull());
    Dataset<Row> good = read.where(col("reason").isNull()).drop("reason", "detail");

    // Each text's first item wins: the one the lake holds from the same source, else the first source by name.
    boolean exists = lake.exists(spark, Tables.BOOKS);
    Dataset<Row> have = exists
        ? lake.read(spark, Tables.BOOKS).select(col("book_id").as("have_id"), col("source").as("have_source"))
        : spark.createDataFrame(List.of(), new StructType().add("have_id", DataTypes.StringType).add("have_source", DataTypes.StringType));
    Dataset<Row> joined = good.join(have, good.col("book_id").equalTo(have.col("have_id")), "left")
        .withColumn("same", when(col("have_source").equalTo(col("source")), 0).otherwise(1));
    Dataset<Row> ranked = joined.withColumn("rank", row_number().over(Window.partitionBy("book_id").orderBy("same", "source")))
        .persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> first = ranked.where(col("rank").equalTo(1));
    Dataset<Row> fresh = first.where(col("have_id").isNull()).select("book_id", "source", "title", "text", "n_chars");
    long unchanged = first.where(col("same").equalTo(0)).count();
    Dataset<Row> exactDups = ranked.where(col("rank").gt(1).or(col("have_id").isNotNull().and(col("same").equalTo(1))))
        .select(col("source"), concat(lit("duplicate-of:"), col("book_id")).as("reason"),
            lit("same text as the book kept in the lake").as("detail"));

    List<Reject> rejects = new ArrayList<>();
    for (Row r : bad.select("source", "reason", "detail").collectAsList()) rejects.add(Reject.now(JOB, r.getString(0), r.getString(1), r.getString(2)));
    List<Row> exactRows = exactDups.collectAsList();
    for (Row r : exactRows) rejects.add(Reject.now(JOB, r.getString(0), r.getString(1), r.getString(2)));
    long exact = exactRows.size();

    // near-duplicates among the new books and against the lake's books
    long near = 0;
    Dataset<Row> toWrite = fresh;
    if (config.getBoolean("ingest.near_dup.enabled", true)) {
      MinHash minHash = new MinHash(config.getInt("ingest.near_dup.shingle_words", 5), config.getInt("ingest.near_dup.bands", 16),
          config.getInt("ingest.near_dup.rows", 8), 42L);
      double threshold = config.getDouble("ingest.near_dup.threshold", 0.8);
      Dataset<Row> kept = exists ? lake.read(spark, Tables.BOOKS).select("book_id", "source", "text") : null;
      List<NearDuplicates.Match> matches = fresh.isEmpty() ? List.of() : NearDuplicates.find(spark, fresh, kept, minHash, threshold);
      near = matches.size();
      if (!matches.isEmpty()) {
        Map<String, String> sourceOfFresh = new TreeMap<>();
        List<Row> ids = new ArrayList<>();
        for (NearDuplicates.Match m : matches) ids.add(RowFactory.create(m.bookId()));
        Dataset<Row> dupIds = spark.createDataFrame(ids, new StructType().add("dup_id", DataTypes.StringType, false));
        for (Row r : fresh.join(dupIds, col("book_id").equalTo(col("dup_id"))).select("book_id", "source").collectAsList()) {
          sourceOfFresh.put(r.getString(0), r.getString(1));
        }
        for (NearDuplicates.Match m : matches) {
          rejects.add(Reject.now(JOB, sourceOfFresh.get(m.bookId()), "duplicate-of:" + m.keptId(),
              String.format("near-duplicate: Jaccard %.3f of word %d-shingles with %s", m.jaccard(), config.getInt("ingest.near_dup.shingle_words", 5), m.keptSource())));
        }
        toWrite = fresh.join(dupIds, col("book_id").equalTo(col("dup_id")), "left_anti");
      }
    }

    Dataset<Row> books = toWrite.select("book_id", "source", "title", "text", "n_chars");
    long written = books.count();
    if (!exists) {
      lake.overwrite(books, Tables.BOOKS);
    } else if (written > 0) {
      DeltaTable.forPath(spark, lake.table(Tables.BOOKS)).as("t")
          .merge(books.as("s"), "t.book_id = s.book_id")
          .whenNotMatched().insertAll()
          .execute();
    }
    Rejects.record(spark, lake, rejects);

    Map<String, Long> byReason = new TreeMap<>();
    for (Reject r : rejects) if (!r.reason().startsWith("duplicate-of:")) byReason.merge(r.reason(), 1L, Long::sum);
    counts.put("books_written", written).put("unchanged", unchanged).put("duplicates", exact + near)
        .put("exact_dups", exact).put("near_dups", near);
    long rejected = 0;
    for (Map.Entry<String, Long> e : byReason.entrySet()) {
      counts.put("rejected." + e.getKey(), e.getValue());
      rejected += e.getValue();
    }
    counts.put("rejected", rejected);
    ranked.unpersist();
    read.unpersist();

    if (seen != written + unchanged + exact + near + rejected) {
      throw new IllegalStateException("books accounting broken: seen " + seen + " != written " + written + " + unchanged " + unchanged
          + " + duplicates " + (exact + near) + " + rejected " + rejected);
    }
    return counts;
  }

  /** Text files, tar archives and JSON lines, one task per file, streamed item by item. */
  private static Dataset<Row> readStreamed(SparkSession spark, HadoopFiles fs, List<HadoopFiles.InputFile> files, int minChars, long maxBytes) {
    if (files.isEmpty()) return spark.createDataFrame(List.of(), READ_SCHEMA);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int slices = Math.max(1, Math.min(files.size(), jsc.defaultParallelism() * 4));
    JavaRDD<Row> rows = jsc.parallelize(files, slices).flatMap(f -> {
      Iterator<SourceRecord> records;
      try {
        records = BookSources.read(f.uri(), f.length(), maxBytes, () -> fs.open(f.uri()));
      } catch (java.io.IOException e) {
        records = List.of(SourceRecord.reject(f.uri(), "unreadable", Streams.oneLine(e))).iterator();
      }
      Iterator<SourceRecord> it = records;
      return new Iterator<Row>() {
        @Override
        public boolean hasNext() {
          return it.hasNext();
        }

        @Override
        public Row next() {
          return toRow(it.next(), minChars);
        }
      };
    });
    return spark.createDataFrame(rows, READ_SCHEMA);
  }

  /** Parquet: the text column read as bytes, so it gets the same strict UTF-8 check as files. */
  private static Dataset<Row> readParquet(SparkSession spark, List<HadoopFiles.InputFile> files, Config config, int minChars, long maxBytes) {
    String textColumn = config.get("ingest.text_column", "text");
    String titleColumn = config.get("ingest.title_column", "title");
    String[] paths = files.stream().map(HadoopFiles.InputFile::uri).toArray(String[]::new);
    Dataset<Row> df = spark.read().parquet(paths);
    List<String> columns = Arrays.asList(df.columns());
    if (!columns.contains(textColumn)) {
      throw new UserError("Parquet input " + paths[0] + (paths.length > 1 ? " (and " + (paths.length - 1) + " more)" : "")
          + " has no column '" + textColumn + "' (columns: " + String.join(", ", columns) + "): pass --text-column NAME");
    }
    var type = df.schema().apply(textColumn).dataType();
    if (!type.equals(DataTypes.StringType) && !type.equals(DataTypes.BinaryType)) {
      throw new UserError("Parquet column '" + textColumn + "' is " + type.simpleString() + ", not a string: pass --text-column NAME of the text column");
    }
    Dataset<Row> raw = df.select(
        concat(col("_metadata.file_path"), lit("#row"), col("_metadata.row_index").cast("string")).as("source"),
        columns.contains(titleColumn) ? col(titleColumn).cast("string").as("title") : lit(null).cast("string").as("title"),
        col(textColumn).cast("binary").as("bytes"));
    JavaRDD<Row> rows = raw.javaRDD().map(r -> {
      String source = r.getString(0);
      byte[] bytes = r.isNullAt(2) ? null : (byte[]) r.get(2);
      if (bytes == null) return toRow(SourceRecord.reject(source, "empty", "text is null"), minChars);
      if (bytes.length > maxBytes) return toRow(SourceRecord.reject(source, "too-large", bytes.length + " bytes than ingest.max_book_bytes = " + maxBytes), minChars);
      String title = r.isNullAt(1) || r.getString(1).isBlank() ? BookText.titleFromPath(source) : r.getString(1);
      return toRow(SourceRecord.bytes(source, title, bytes), minChars);
    });
    return spark.createDataFrame(rows, READ_SCHEMA);
  }

  static Row toRow(SourceRecord r, int minChars) {
    if (r.rejected()) return RowFactory.create(r.source(), null, null, null, null, r.reason(), r.detail());
    BookText.Decoded d = r.bytes() != null ? BookText.decode(r.bytes(), minChars) : BookText.check(r.text(), minChars);
    if (!d.ok()) return RowFactory.create(r.source(), null, null, null, null, d.rejectReason(), d.rejectDetail());
    return RowFactory.create(r.source(), r.title(), d.text(), (long) d.text().codePointCount(0, d.text().length()),
        BookText.bookId(d.text()), null, null);
  }
}
