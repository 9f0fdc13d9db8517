package org.lwm.qa.chunk;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.CollectionAccumulator;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Reject;
import org.lwm.core.lake.Rejects;
import org.lwm.core.lake.Tables;
import org.lwm.core.spark.CatalystRows;
import org.lwm.core.spark.Tallies;
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

    // one pass: chunks are written as the books stream through, the counts gathered on the way (no re-read)
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<SentencePieceTokenizer> tok = jsc.broadcast(tokenizer);
    Tallies tallies = new Tallies();
    spark.sparkContext().register(tallies, JOB + " counts");
    CollectionAccumulator<String> empty = spark.sparkContext().collectionAccumulator(JOB + " books without tokens");
    JavaRDD<InternalRow> rows = CatalystRows.ofBooks(bookTokens.select("book_id", "tokens"))
        .mapPartitions(it -> new ChunkRows(it, new Chunker(tok.value(), size), tallies, empty));
    lake.overwrite(CatalystRows.dataFrame(spark, rows, SCHEMA), Tables.CHUNKS);
    List<Reject> rejects = new ArrayList<>();
    for (String bookId : empty.value()) {
      rejects.add(Reject.now(JOB, bookId, "no-tokens", "the book encodes to 0 tokens, so it has no chunk"));
    }
    Rejects.record(spark, lake, rejects);

    counts.put("books", tallies.sum("books"));
    counts.put("books_chunked", tallies.sum("books_chunked"));
    counts.put("books_empty", rejects.size());
    counts.put("chunks", tallies.sum("chunks"));
    counts.put("tokens", tallies.sum("tokens"));
    counts.put("chunk_tokens", size);
    tok.destroy();
    return counts;
  }
}
