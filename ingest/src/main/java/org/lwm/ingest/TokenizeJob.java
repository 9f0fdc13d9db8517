package org.lwm.ingest;

import static org.apache.spark.sql.functions.col;

import io.delta.tables.DeltaTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.step.ConfigKey;
import org.lwm.core.step.Step;
import org.lwm.core.step.StepExecution;
import org.lwm.core.tokenizer.TokenizerFiles;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import scala.Tuple2;

/**
 * {@code book_tokens}: every book of {@code books} encoded with one SentencePiece tokenizer (no BOS/EOS).
 * The tokenizer travels to executors as a broadcast (deserialised, i.e. loaded, once per executor) and each
 * task thread encodes with its own encoder. Books range from ~1 KB to ~10 MB, so rows are spread by size:
 * the driver packs books into partitions of about {@code ingest.tokenize.partition_chars} characters
 * (default 8 Mi, at least 2 partitions per core), largest first, so no task gets all the big books.
 *
 * <p>The table records the tokenizer's identity (SHA-256 of the model) in {@code lwm.tokenizer}; running
 * with another tokenizer is refused unless {@code overwrite}, which rebuilds the table. With the same
 * tokenizer only books not yet tokenized are encoded (MERGE by book_id).
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
        ConfigKey.of(OVERWRITE, "false", "re-tokenize every book, replacing a table made with another tokenizer"),
        ConfigKey.of("ingest.tokenize.partition_chars", String.valueOf(8L << 20), "characters per task (books packed largest first)"));
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
        : books.join(lake.read(spark, Tables.BOOK_TOKENS).select(col("book_id").as("done_id")), col("book_id").equalTo(col("done_id")), "left_anti");
    List<Row> sizes = todo.select("book_id", "n_chars").collectAsList();
    long totalChars = 0;
    for (Row r : sizes) totalChars += r.getLong(1);
    counts.put("books", books.count()).put("tokenized", sizes.size()).put("chars", totalChars);

    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int minParts = Math.max(1, jsc.defaultParallelism() * 2);
    long target = Math.max(1, Math.min(config.getLong("ingest.tokenize.partition_chars", 8L << 20), (totalChars + minParts - 1) / minParts));
    Map<String, Integer> partOf = packBySize(sizes, target);
    int nParts = Math.max(1, partOf.values().stream().mapToInt(i -> i + 1).max().orElse(1));
    Broadcast<Map<String, Integer>> parts = jsc.broadcast(partOf);
    Broadcast<SentencePieceTokenizer> tok = jsc.broadcast(tokenizer);

    JavaPairRDD<Integer, Row> byPart = todo.select("book_id", "text").javaRDD()
        .mapToPair(r -> new Tuple2<>(parts.value().get(r.getString(0)), r))
        .partitionBy(new Exact(nParts));
    JavaRDD<Row> encoded = byPart.values().mapPartitions(it -> {
      SentencePieceTokenizer.Encoder enc = tok.value().newEncoder();
      return new java.util.Iterator<Row>() {
        @Override
        public boolean hasNext() {
          return it.hasNext();
        }

        @Override
        public Row next() {
          Row r = it.next();
          int[] ids = enc.encode(r.getString(1));
          return RowFactory.create(r.getString(0), ids, (long) ids.length);
        }
      };
    });
    Dataset<Row> rows = spark.createDataFrame(encoded, SCHEMA);
    if (rebuild) {
      lake.overwrite(rows, Tables.BOOK_TOKENS);
    } else if (!sizes.isEmpty()) {
      DeltaTable.forPath(spark, lake.table(Tables.BOOK_TOKENS)).as("t").merge(rows.as("s"), "t.book_id = s.book_id")
          .whenNotMatched().insertAll().execute();
    }
    parts.destroy();
    Row sum = lake.read(spark, Tables.BOOK_TOKENS).agg(org.apache.spark.sql.functions.sum("n_tokens"), org.apache.spark.sql.functions.count("*")).first();
    counts.put("unchanged", rebuild ? 0 : counts.get("books") - sizes.size());
    counts.put("tokens_total", sum.isNullAt(0) ? 0 : sum.getLong(0));
    counts.put("vocab_size", tokenizer.vocabSize());
    return counts;
  }

  /**
   * Books into partitions of about {@code target} characters: largest first, each into the partition with the
   * fewest characters so far (LPT scheduling), so a 10 MB book gets a partition and small books fill the rest.
   */
  static Map<String, Integer> packBySize(List<Row> sizes, long target) {
    long total = 0;
    for (Row r : sizes) total += r.getLong(1);
    int n = (int) Math.max(1, Math.min(sizes.size(), (total + target - 1) / target));
    List<Row> sorted = new ArrayList<>(sizes);
    sorted.sort((a, b) -> Long.compare(b.getLong(1), a.getLong(1)));
    java.util.PriorityQueue<long[]> load = new java.util.PriorityQueue<>((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
    for (int i = 0; i < n; i++) load.add(new long[] {0, i});
    Map<String, Integer> out = new java.util.HashMap<>();
    for (Row r : sorted) {
      long[] p = load.poll();
      out.put(r.getString(0), (int) p[1]);
      p[0] += r.getLong(1);
      load.add(p);
    }
    return out;
  }

  /** The identity recorded on {@code book_tokens}, or null. */
  public static String tokenizerOf(SparkSession spark, Lake lake) {
    if (!lake.exists(spark, Tables.BOOK_TOKENS)) return null;
    return lake.properties(spark, Tables.BOOK_TOKENS).get(TOKENIZER_PROPERTY);
  }

  /** Key i goes to partition i. */
  static final class Exact extends Partitioner {
    private final int n;

    Exact(int n) {
      this.n = n;
    }

    @Override
    public int numPartitions() {
      return n;
    }

    @Override
    public int getPartition(Object key) {
      return (Integer) key;
    }
  }

  private static String tokenizerName(SentencePieceTokenizer t) {
    return "vocabulary " + t.vocabSize();
  }
}
