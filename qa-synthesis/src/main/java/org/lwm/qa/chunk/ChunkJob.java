package org.lwm.qa.chunk;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Reject;
import org.lwm.core.lake.Rejects;
import org.lwm.core.lake.Tables;
import org.lwm.core.step.ConfigKey;
import org.lwm.core.step.Step;
import org.lwm.core.step.StepExecution;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.core.tokenizer.TokenizerFiles;

/**
 * {@code chunks}: every book of {@code book_tokens} cut into blocks of {@code qa.chunk_tokens} tokens (default
 * 1000, LWM's size) by {@link Chunker}. The table is rebuilt on every run (chunking is a decode, cheap next to
 * generation), so it always matches {@code book_tokens}; it records the chunk size (the count {@code chunk_tokens},
 * which {@code qa generate} reads back: it enters the prompt hash). The tokenizer must be the one that made
 * {@code book_tokens} (checked by the step execution, which also records it).
 */
public final class ChunkJob implements Step {
  public static final String JOB = "qa-chunk";
  public static final String CHUNK_TOKENS = "qa.chunk_tokens";
  /** The chunk size as the counts record it on {@code chunks}. */
  public static final String CHUNK_TOKENS_PROPERTY = "lwm." + JOB + ".chunk_tokens";

  public static final StructType SCHEMA = new StructType()
      .add("book_id", DataTypes.StringType, false)
      .add("chunk_index", DataTypes.IntegerType, false)
      .add("token_start", DataTypes.IntegerType, false)
      .add("token_end", DataTypes.IntegerType, false)
      .add("n_tokens", DataTypes.IntegerType, false)
      .add("text", DataTypes.StringType, false);

  /** Null: the step loads config {@code tokenizer}; else the model a caller already holds (the demo). */
  private final SentencePieceTokenizer preloaded;

  public ChunkJob() {
    this(null);
  }

  private ChunkJob(SentencePieceTokenizer preloaded) {
    this.preloaded = preloaded;
  }

  @Override
  public String name() {
    return "qa chunk";
  }

  @Override
  public String description() {
    return "every book of 'book_tokens' cut into blocks of qa.chunk_tokens tokens into 'chunks'";
  }

  @Override
  public List<String> reads() {
    return List.of(Tables.BOOK_TOKENS);
  }

  @Override
  public List<String> writes() {
    return List.of(Tables.CHUNKS, Tables.REJECTS);
  }

  @Override
  public List<ConfigKey> keys() {
    return List.of(
        ConfigKey.of(StepExecution.TOKENIZER_KEY, "the tokenizer.model that tokenized the books (path or URI)"),
        ConfigKey.of(CHUNK_TOKENS, "1000", "tokens per chunk (the last of a book shorter); LWM uses 1000"));
  }

  @Override
  public JobCounts run(SparkSession spark, Lake lake, Config config) {
    SentencePieceTokenizer tokenizer = preloaded != null ? preloaded : TokenizerFiles.load(spark, config.get(StepExecution.TOKENIZER_KEY, null));
    return chunk(spark, lake, tokenizer, config);
  }

  /** The step with its provenance, with the tokenizer model at {@code tokenizerUri}. */
  public static JobCounts run(SparkSession spark, Lake lake, String tokenizerUri, Config config) {
    return StepExecution.run(new ChunkJob(), spark, lake, config.with(StepExecution.TOKENIZER_KEY, tokenizerUri));
  }

  private static JobCounts chunk(SparkSession spark, Lake lake, SentencePieceTokenizer tokenizer, Config config) {
    int size = config.getInt(CHUNK_TOKENS, 1000);
    if (size < 16) throw new UserError(CHUNK_TOKENS + " = " + size + " is too small: use at least 16 (LWM uses 1000)");
    JobCounts counts = new JobCounts(JOB);
    Dataset<Row> bookTokens = lake.read(spark, Tables.BOOK_TOKENS);
    // a mismatch is refused by the step execution; a table recording none cannot be checked at all
    if (lake.properties(spark, Tables.BOOK_TOKENS).get(StepExecution.TOKENIZER_PROPERTY) == null) {
      throw new UserError("book_tokens in " + lake + " records no tokenizer: re-run lwm ingest tokenize --overwrite");
    }

    List<Reject> empty = new ArrayList<>();
    for (Row r : bookTokens.filter("size(tokens) = 0").select("book_id").collectAsList()) {
      empty.add(Reject.now(JOB, r.getString(0), "no-tokens", "the book encodes to 0 tokens, so it has no chunk"));
    }

    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<SentencePieceTokenizer> tok = jsc.broadcast(tokenizer);
    JavaRDD<Row> rows = bookTokens.select("book_id", "tokens").javaRDD().mapPartitions(it -> {
      Chunker chunker = new Chunker(tok.value(), size);
      List<Row> out = new ArrayList<>();
      while (it.hasNext()) {
        Row r = it.next();
        List<Integer> list = r.getList(1);
        int[] ids = new int[list.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = list.get(i);
        for (Chunker.Chunk c : chunker.chunk(ids)) {
          out.add(RowFactory.create(r.getString(0), c.index(), c.tokenStart(), c.tokenEnd(), c.nTokens(), c.text()));
        }
      }
      return out.iterator();
    });
    lake.overwrite(spark.createDataFrame(rows, SCHEMA), Tables.CHUNKS);
    Rejects.record(spark, lake, empty);

    Row sum = lake.read(spark, Tables.CHUNKS).agg(functions.count("*"), functions.sum("n_tokens"), functions.countDistinct("book_id")).first();
    counts.put("books", bookTokens.count());
    counts.put("books_chunked", sum.getLong(2));
    counts.put("books_empty", empty.size());
    counts.put("chunks", sum.getLong(0));
    counts.put("tokens", sum.isNullAt(1) ? 0 : sum.getLong(1));
    counts.put("chunk_tokens", size);
    tok.destroy();
    return counts;
  }
}
