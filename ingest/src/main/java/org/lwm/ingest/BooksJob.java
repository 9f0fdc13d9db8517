package org.lwm.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Reject;
import org.lwm.core.lake.Rejects;
import org.lwm.core.lake.Tables;
import org.lwm.core.spark.InternalRows;
import org.lwm.core.spark.SizeBalance;
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

  /** The {@code books} table as written (DESIGN §3). */
  static final StructType BOOKS_SCHEMA = new StructType()
      .add("book_id", DataTypes.StringType, true)
      .add("source", DataTypes.StringType, true)
      .add("title", DataTypes.StringType, true)
      .add("text", DataTypes.StringType, true)
      .add("n_chars", DataTypes.LongType, true);

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
    int shingleWords = config.getInt("ingest.near_dup.shingle_words", 5);
    MinHash minHash = config.getBoolean("ingest.near_dup.enabled", true)
        ? new MinHash(shingleWords, config.getInt("ingest.near_dup.bands", 16), config.getInt("ingest.near_dup.rows", 8), 42L)
        : null;
    JobCounts counts = new JobCounts(JOB);
    HadoopFiles fs = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
    List<HadoopFiles.InputFile> files = fs.list(inputs, name -> true);
    List<HadoopFiles.InputFile> parquet = files.stream().filter(f -> BookSources.formatOf(f.uri()) == BookSources.Format.PARQUET).toList();
    List<HadoopFiles.InputFile> streamed = files.stream().filter(f -> BookSources.formatOf(f.uri()) != BookSources.Format.PARQUET).toList();
    counts.put("files_seen", files.size());
    Inputs in = new Inputs(spark, fs, streamed, parquet, config, minChars, maxBytes);

    // pass 1: every item's id, size and band keys, no text kept (one Spark job per input kind)
    List<BookScan.Seen> seenItems = new ArrayList<>(in.streamed((file, r) -> BookScan.see(file, r, minChars, minHash)).collect());
    if (!parquet.isEmpty()) seenItems.addAll(in.parquet((file, r) -> BookScan.see(file, r, minChars, minHash)).collect());
    long seen = seenItems.size();
    counts.put("seen", seen);

    // Each text's first item wins: the one the lake holds from the same source, else the first source by name.
    boolean exists = lake.exists(spark, Tables.BOOKS);
    Map<String, String> have = new HashMap<>();
    if (exists) {
      for (Row r : lake.read(spark, Tables.BOOKS).select("book_id", "source").collectAsList()) have.put(r.getString(0), r.getString(1));
    }
    // sorted by (book_id, the lake's own source first, source): each run of one book_id is one text's items
    List<Reject> rejects = new ArrayList<>();
    List<BookScan.Seen> items = new ArrayList<>(seenItems.size());
    for (BookScan.Seen s : seenItems) {
      if (s.rejected()) rejects.add(Reject.now(JOB, s.source(), s.reason(), s.detail()));
      else items.add(s);
    }
    seenItems = null;
    items.sort(Comparator.comparing(BookScan.Seen::bookId)
        .thenComparing((BookScan.Seen s) -> s.source().equals(have.get(s.bookId())) ? 0 : 1)
        .thenComparing(BookScan.Seen::source));
    List<BookScan.Seen> fresh = new ArrayList<>();
    long unchanged = 0;
    long exact = 0;
    for (int i = 0; i < items.size(); i++) {
      BookScan.Seen s = items.get(i);
      boolean first = i == 0 || !items.get(i - 1).bookId().equals(s.bookId());
      String haveSource = have.get(s.bookId());
      if (first && haveSource == null) {
        fresh.add(s);
      } else if (first && s.source().equals(haveSource)) {
        unchanged++;
      } else {
        rejects.add(Reject.now(JOB, s.source(), "duplicate-of:" + s.bookId(), "same text as the book kept in the lake"));
        exact++;
      }
    }
    items = null;

    // near-duplicates among the new books and against the lake's books
    Set<String> nearDups = new HashSet<>();
    if (minHash != null && !fresh.isEmpty()) {
      double threshold = config.getDouble("ingest.near_dup.threshold", 0.8);
      List<NearDuplicates.Book> books = new ArrayList<>(fresh.size());
      for (BookScan.Seen s : fresh) books.add(new NearDuplicates.Book(s.bookId(), s.source(), true, s.bandKeys()));
      if (exists) books.addAll(keptBandKeys(spark, lake, minHash));
      List<BookScan.Seen> freshBooks = fresh;
      List<NearDuplicates.Match> matches = NearDuplicates.findByIndex(books,
          wanted -> shingles(spark, lake, in, books, freshBooks, wanted, minHash), threshold);
      Map<String, String> sourceOf = new HashMap<>();
      for (NearDuplicates.Match m : matches) sourceOf.put(m.bookId(), null);
      for (BookScan.Seen s : fresh) if (sourceOf.containsKey(s.bookId())) sourceOf.put(s.bookId(), s.source());
      for (NearDuplicates.Match m : matches) {
        nearDups.add(m.bookId());
        rejects.add(Reject.now(JOB, sourceOf.get(m.bookId()), "duplicate-of:" + m.keptId(),
            String.format("near-duplicate: Jaccard %.3f of word %d-shingles with %s", m.jaccard(), shingleWords, m.keptSource())));
      }
    }
    long near = nearDups.size();

    // pass 2: the books to write, read again from the files holding them, written in one Delta commit
    Map<String, BookScan.Seen> toWrite = new HashMap<>();
    for (BookScan.Seen s : fresh) if (!nearDups.contains(s.bookId())) toWrite.put(s.source(), s.withoutBandKeys());
    fresh = null;
    long written = toWrite.size();
    if (!exists || written > 0) {
      Broadcast<Map<String, BookScan.Seen>> keep = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(toWrite);
      Set<String> keepFiles = new HashSet<>();
      for (BookScan.Seen s : toWrite.values()) keepFiles.add(s.file());
      Inputs only = in.only(keepFiles);
      JavaRDD<InternalRow> rows = only.streamed((file, r) -> {
        BookScan.Seen s = keep.value().get(r.source());
        return s == null ? null : BookScan.row(r, s);
      });
      if (only.hasParquet()) {
        rows = rows.union(only.parquet((file, r) -> {
          BookScan.Seen s = keep.value().get(r.source());
          return s == null ? null : BookScan.row(r, s);
        }));
      }
      Dataset<Row> books = InternalRows.dataFrame(spark, rows, BOOKS_SCHEMA);
      // the books are absent from the lake (checked above), so an append is what a MERGE inserting unmatched rows did
      if (!exists) lake.overwrite(books, Tables.BOOKS);
      else lake.append(books, Tables.BOOKS);
      keep.destroy();
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

    if (seen != written + unchanged + exact + near + rejected) {
      throw new IllegalStateException("books accounting broken: seen " + seen + " != written " + written + " + unchanged " + unchanged
          + " + duplicates " + (exact + near) + " + rejected " + rejected);
    }
    return counts;
  }

  /** The band keys of every book the lake keeps (one pass over its texts). */
  private static List<NearDuplicates.Book> keptBandKeys(SparkSession spark, Lake lake, MinHash minHash) {
    return lake.read(spark, Tables.BOOKS).select("book_id", "source", "text").javaRDD()
        .map(r -> new NearDuplicates.Book(r.getString(0), r.getString(1), false, minHash.bandKeys(r.getString(2))))
        .collect();
  }

  /**
   * The shingle sets of the books at these positions of {@code books} (new ones: the first {@code fresh.size()}, read
   * again from their files; kept ones from the lake), packed by the tasks: one object per task reaches the driver.
   */
  private static NearDuplicates.Shingles shingles(SparkSession spark, Lake lake, Inputs in, List<NearDuplicates.Book> books,
      List<BookScan.Seen> fresh, int[] wanted, MinHash minHash) {
    NearDuplicates.Shingles out = new NearDuplicates.Shingles(books.size());
    Map<String, Integer> indexOfSource = new HashMap<>();
    Set<String> files = new HashSet<>();
    Map<String, Integer> keptIndex = new HashMap<>();
    for (int i : wanted) {
      if (i < fresh.size()) {
        indexOfSource.put(fresh.get(i).source(), i);
        files.add(fresh.get(i).file());
      } else {
        keptIndex.put(books.get(i).bookId(), i);
      }
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    if (!indexOfSource.isEmpty()) {
      Inputs only = in.only(files);
      Broadcast<Map<String, Integer>> index = jsc.broadcast(indexOfSource);
      BookSourceFunction<scala.Tuple2<Integer, long[]>> f = (file, r) -> {
        Integer i = index.value().get(r.source());
        if (i == null) return null;
        if (r.bytes() != null && BookText.isAsciiWithoutCr(r.bytes())) return new scala.Tuple2<>(i, minHash.shinglesOfAscii(r.bytes()));
        BookText.Decoded d = r.bytes() != null ? BookText.decode(r.bytes(), 0) : BookText.check(r.text(), 0);
        return new scala.Tuple2<>(i, minHash.shingles(d.text()));
      };
      for (NearDuplicates.Packed p : only.streamed(f).mapPartitions(it -> List.of(NearDuplicates.Packed.of(it)).iterator()).collect()) out.add(p);
      if (only.hasParquet()) {
        for (NearDuplicates.Packed p : only.parquet(f).mapPartitions(it -> List.of(NearDuplicates.Packed.of(it)).iterator()).collect()) out.add(p);
      }
      index.destroy();
    }
    if (!keptIndex.isEmpty()) {
      Dataset<Row> kept = lake.read(spark, Tables.BOOKS);
      // a few ids (the usual re-run with a small batch) as a filter Spark evaluates before making Java strings of the
      // texts; many as a broadcast set (an IN of a million literals is a plan too large to build)
      if (keptIndex.size() <= KEPT_ISIN_MAX) kept = kept.where(col("book_id").isin(keptIndex.keySet().toArray()));
      Broadcast<Map<String, Integer>> index = jsc.broadcast(keptIndex);
      JavaRDD<scala.Tuple2<Integer, long[]>> sets = kept.select("book_id", "text").javaRDD()
          .filter(r -> index.value().containsKey(r.getString(0)))
          .map(r -> new scala.Tuple2<>(index.value().get(r.getString(0)), minHash.shingles(r.getString(1))));
      for (NearDuplicates.Packed p : sets.mapPartitions(it -> List.of(NearDuplicates.Packed.of(it)).iterator()).collect()) out.add(p);
      index.destroy();
    }
    return out;
  }

  /** Up to this many kept books' shingle sets are read with an IN filter on book_id. */
  private static final int KEPT_ISIN_MAX = 10_000;

  /** What a pass makes of one item of an input file (null: nothing). */
  @FunctionalInterface
  interface BookSourceFunction<T> extends java.io.Serializable {
    T apply(String file, SourceRecord record) throws Exception;
  }

  /**
   * The job's inputs, read item by item in tasks. Text files, tar archives and JSON lines: one task per group of
   * files, the groups balanced by file size on the driver (no shuffle); Parquet: Spark's own scan of the text column
   * as bytes, so it gets the same strict UTF-8 check as files.
   */
  static final class Inputs {
    private final SparkSession spark;
    private final HadoopFiles fs;
    private final List<HadoopFiles.InputFile> streamed;
    private final List<HadoopFiles.InputFile> parquet;
    private final Config config;
    private final int minChars;
    private final long maxBytes;

    Inputs(SparkSession spark, HadoopFiles fs, List<HadoopFiles.InputFile> streamed, List<HadoopFiles.InputFile> parquet, Config config,
        int minChars, long maxBytes) {
      this.spark = spark;
      this.fs = fs;
      this.streamed = streamed;
      this.parquet = parquet;
      this.config = config;
      this.minChars = minChars;
      this.maxBytes = maxBytes;
    }

    /** The same inputs restricted to these files. */
    Inputs only(Set<String> files) {
      return new Inputs(spark, fs, streamed.stream().filter(f -> files.contains(f.uri())).toList(),
          parquet.stream().filter(f -> files.contains(PARQUET)).toList(), config, minChars, maxBytes);
    }

    boolean hasParquet() {
      return !parquet.isEmpty();
    }

    <T> JavaRDD<T> streamed(BookSourceFunction<T> f) {
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      if (streamed.isEmpty()) return jsc.emptyRDD();
      long[] sizes = streamed.stream().mapToLong(x -> Math.max(1, x.length())).toArray();
      List<List<HadoopFiles.InputFile>> groups = SizeBalance.groups(streamed, sizes, config.getLong("ingest.books.partition_bytes", 32L << 20),
          jsc.defaultParallelism() * 2);
      HadoopFiles files = fs;
      long max = maxBytes;
      return jsc.parallelize(groups, groups.size()).flatMap(group -> new Flattened<>(group.iterator(), file -> {
        Iterator<SourceRecord> records;
        try {
          records = BookSources.read(file.uri(), file.length(), max, () -> files.open(file.uri()));
        } catch (java.io.IOException e) {
          records = List.of(SourceRecord.reject(file.uri(), "unreadable", Streams.oneLine(e))).iterator();
        }
        return records;
      }, (file, r) -> f.apply(file.uri(), r)));
    }

    /** Parquet: the text column read as bytes; {@code file} is {@link #PARQUET} for every item. */
    <T> JavaRDD<T> parquet(BookSourceFunction<T> f) {
      String textColumn = config.get("ingest.text_column", "text");
      String titleColumn = config.get("ingest.title_column", "title");
      String[] paths = parquet.stream().map(HadoopFiles.InputFile::uri).toArray(String[]::new);
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
      long max = maxBytes;
      return raw.javaRDD().map(r -> f.apply(PARQUET, parquetRecord(r, max))).filter(x -> x != null);
    }
  }

  /** The {@code file} of every Parquet item: Parquet inputs are read together by one scan. */
  static final String PARQUET = "parquet:";

  static SourceRecord parquetRecord(Row r, long maxBytes) {
    String source = r.getString(0);
    byte[] bytes = r.isNullAt(2) ? null : (byte[]) r.get(2);
    if (bytes == null) return SourceRecord.reject(source, "empty", "text is null");
    if (bytes.length > maxBytes) return SourceRecord.reject(source, "too-large", bytes.length + " bytes than ingest.max_book_bytes = " + maxBytes);
    String title = r.isNullAt(1) || r.getString(1).isBlank() ? BookText.titleFromPath(source) : r.getString(1);
    return SourceRecord.bytes(source, title, bytes);
  }

  /** The items of a group of files, each through the pass's function, nulls dropped; one file open at a time. */
  static final class Flattened<F, T> implements Iterator<T> {
    interface Opener<F> {
      Iterator<SourceRecord> open(F file) throws Exception;
    }

    interface Each<F, T> {
      T apply(F file, SourceRecord r) throws Exception;
    }

    private final Iterator<F> files;
    private final Opener<F> opener;
    private final Each<F, T> each;
    private F file;
    private Iterator<SourceRecord> records = java.util.Collections.emptyIterator();
    private T next;

    Flattened(Iterator<F> files, Opener<F> opener, Each<F, T> each) {
      this.files = files;
      this.opener = opener;
      this.each = each;
    }

    @Override
    public boolean hasNext() {
      try {
        while (next == null) {
          while (!records.hasNext()) {
            if (!files.hasNext()) return false;
            file = files.next();
            records = opener.open(file);
          }
          next = each.apply(file, records.next());
        }
        return true;
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public T next() {
      if (!hasNext()) throw new java.util.NoSuchElementException();
      T t = next;
      next = null;
      return t;
    }
  }

}
