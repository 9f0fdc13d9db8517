package org.lwm.ingest;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;

import java.util.List;
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
import org.lwm.core.lake.Tables;
import org.lwm.core.spark.CatalystRows;
import org.lwm.core.spark.InternalRows;
import org.lwm.core.spark.SessionConf;
import org.lwm.core.spark.TaskCounters;
import org.lwm.core.step.ConfigKey;
import org.lwm.core.step.Step;
import org.lwm.core.step.StepExecution;
import org.lwm.core.tokenizer.TokenizerFiles;
import org.lwm.core.tokenizer.SentencePieceTokenizer;

/**
 * {@code book_tokens}: every book of {@code books} encoded with one SentencePiece tokenizer (no BOS/EOS).
 * The tokenizer travels to executors as a broadcast (deserialised, i.e. loaded, once per executor) and each
 * task thread encodes with its own encoder, inside the write: one narrow pass over the scan of {@code books}
 * (no shuffle of the text; ingest books writes its files balanced by size, so no task gets all the big books),
 * the ids handed to Spark as {@code UnsafeArrayData} (no per-element boxing), and the totals counted by the
 * writing tasks ({@link TaskCounters}) instead of re-reading the table.
 *
 * <p>The table records the tokenizer's identity (SHA-256 of the model) in {@code lwm.tokenizer}; running
 * with another tokenizer is refused unless {@code overwrite}, which rebuilds the table. With the same
 * tokenizer only books not yet tokenized are encoded and appended.
 */
public final class TokenizeJob implements Step {
  public static final String JOB = "ingest-tokenize";
  public static final String TOKENIZER_PROPERTY = StepExecution.TOKENIZER_PROPERTY;
  public static final String OVERWRITE = "ingest.tokenize.overwrite";

  static final StructType SCHEMA = new StructType()
      .add("book_id", DataTypes.StringType, false)
      .add("tokens", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
      .add("n_tokens", DataTypes.LongType, false);

  @Override
  public String name() {
    return "ingest tokenize";
  }

  @Override
  public String description() {
    return "every book of 'books' encoded with a SentencePiece model into 'book_tokens'";
  }

  @Override
  public List<String> reads() {
    return List.of(Tables.BOOKS);
  }

  @Override
  public List<String> writes() {
    return List.of(Tables.BOOK_TOKENS);
  }

  @Override
  public List<ConfigKey> keys() {
    return List.of(
        ConfigKey.of(StepExecution.TOKENIZER_KEY, "the tokenizer.model (path or s3a://, hdfs:// URI)"),
        ConfigKey.of(OVERWRITE, "false", "re-tokenize every book, replacing a table made with another tokenizer"));
  }

  @Override
  public JobCounts run(SparkSession spark, Lake lake, Config config) {
    SentencePieceTokenizer tokenizer = TokenizerFiles.load(spark, config.get(StepExecution.TOKENIZER_KEY, null));
    return tokenize(spark, lake, tokenizer, config.getBoolean(OVERWRITE, false), config);
  }

  /** The step with its provenance. */
  public static JobCounts run(SparkSession spark, Lake lake, String tokenizerUri, boolean overwrite, Config config) {
    return StepExecution.run(new TokenizeJob(), spark, lake,
        config.with(StepExecution.TOKENIZER_KEY, tokenizerUri).with(OVERWRITE, String.valueOf(overwrite)));
  }

  private static JobCounts tokenize(SparkSession spark, Lake lake, SentencePieceTokenizer tokenizer, boolean overwrite, Config config) {
    JobCounts counts = new JobCounts(JOB);
    Dataset<Row> books = lake.read(spark, Tables.BOOKS);
    boolean exists = lake.exists(spark, Tables.BOOK_TOKENS);
    boolean rebuild = !exists || overwrite;
    if (exists && !overwrite) {
      String had = tokenizerOf(spark, lake);
      if (had != null && !had.equals(tokenizer.identity())) {
        throw new UserError("book_tokens in " + lake + " was made with tokenizer " + had.substring(0, 12) + "…, not "
            + tokenizer.identity().substring(0, 12) + "… (" + tokenizerName(tokenizer) + "): pass --overwrite to re-tokenize every book");
      }
    }
    Dataset<Row> todo = rebuild ? books
        : books.join(broadcast(lake.read(spark, Tables.BOOK_TOKENS).select(col("book_id").as("done_id"))), col("book_id").equalTo(col("done_id")), "left_anti");

    // Encoded inside the write: a narrow pass over the scan of books (whose files ingest books already balanced by
    // size), token ids straight into Spark's array form, totals counted by the tasks that write.
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<SentencePieceTokenizer> tok = jsc.broadcast(tokenizer);
    TaskCounters totals = TaskCounters.create(spark, "books", "chars", "tokens");
    // Spark packs the scan into splits of up to 128 MB: ~5 tasks for 1 GB of books, the last wave on one core. Splits
    // of a quarter of a core's share keep both cores busy to the end (a book is never split: it is one row). The split
    // size and the reader's rows per batch (whole books' text) are read when the scan is planned, here.
    long split = Math.max(4L << 20, tableBytes(spark, lake) / Math.max(1, jsc.defaultParallelism() * 4L));
    JavaRDD<InternalRow> scan = SessionConf.with(spark, "spark.sql.files.maxPartitionBytes", String.valueOf(Math.min(split, 128L << 20)),
        () -> CatalystRows.ofBooks(todo.select("book_id", "text", "n_chars")));
    JavaRDD<InternalRow> encoded = scan.mapPartitions(it -> {
      SentencePieceTokenizer.Encoder enc = tok.value().newEncoder();
      return new java.util.Iterator<InternalRow>() {
        @Override
        public boolean hasNext() {
          return it.hasNext();
        }

        @Override
        public InternalRow next() {
          InternalRow r = it.next(); // reused by the scan: read it now
          int[] ids = enc.encode(r.getUTF8String(1).toString());
          totals.add("books", 1);
          totals.add("chars", r.isNullAt(2) ? 0 : r.getLong(2));
          totals.add("tokens", ids.length);
          return InternalRows.row(r.getUTF8String(0).clone(), InternalRows.ints(ids), (long) ids.length);
        }
      };
    });
    Dataset<Row> rows = InternalRows.dataFrame(spark, encoded, SCHEMA);
    // not yet tokenized (the anti-join above), so an append inserts what a MERGE of unmatched rows did, in one pass
    if (rebuild) lake.overwrite(rows, Tables.BOOK_TOKENS);
    else lake.append(rows, Tables.BOOK_TOKENS);
    tok.destroy();

    long tokenized = totals.get("books");
    long nBooks = rebuild ? tokenized : books.count();
    counts.put("books", nBooks).put("tokenized", tokenized).put("chars", totals.get("chars"));
    counts.put("unchanged", rebuild ? 0 : nBooks - tokenized);
    long tokensTotal = totals.get("tokens");
    if (!rebuild) {
      Row sum = lake.read(spark, Tables.BOOK_TOKENS).agg(org.apache.spark.sql.functions.sum("n_tokens")).first();
      tokensTotal = sum.isNullAt(0) ? 0 : sum.getLong(0);
    }
    counts.put("tokens_total", tokensTotal);
    counts.put("vocab_size", tokenizer.vocabSize());
    return counts;
  }

  /** Bytes of the books table's data files (all versions: an upper bound; listing only, no Spark job). */
  private static long tableBytes(SparkSession spark, Lake lake) {
    try {
      org.apache.hadoop.fs.FileSystem fs = lake.fileSystem(spark);
      long n = 0;
      for (var st : fs.listStatus(new org.apache.hadoop.fs.Path(lake.table(Tables.BOOKS)))) {
        if (st.isFile() && st.getPath().getName().endsWith(".parquet")) n += st.getLen();
      }
      return n;
    } catch (java.io.IOException e) {
      return 0; // the split size only balances work; Spark's default applies
    }
  }

  /** The identity recorded on {@code book_tokens}, or null. */
  public static String tokenizerOf(SparkSession spark, Lake lake) {
    if (!lake.exists(spark, Tables.BOOK_TOKENS)) return null;
    return lake.properties(spark, Tables.BOOK_TOKENS).get(TOKENIZER_PROPERTY);
  }

  private static String tokenizerName(SentencePieceTokenizer t) {
    return "vocabulary " + t.vocabSize();
  }
}
