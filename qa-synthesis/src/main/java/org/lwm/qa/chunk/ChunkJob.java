package org.lwm.qa.chunk;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
import org.lwm.core.LwmVersion;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Reject;
import org.lwm.core.lake.Rejects;
import org.lwm.core.lake.Tables;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.qa.QaTables;

/**
 * {@code chunks}: every book of {@code book_tokens} cut into blocks of {@code qa.chunk_tokens} tokens (default
 * 1000, LWM's size) by {@link Chunker}. The table is rebuilt on every run (chunking is a decode, cheap next to
 * generation), so it always matches {@code book_tokens}; it records the tokenizer and the chunk size.
 */
public final class ChunkJob {
  public static final String JOB = "qa-chunk";
  public static final String CHUNK_TOKENS_PROPERTY = "lwm.qa.chunk_tokens";

  public static final StructType SCHEMA = new StructType()
      .add("book_id", DataTypes.StringType, false)
      .add("chunk_index", DataTypes.IntegerType, false)
      .add("token_start", DataTypes.IntegerType, false)
      .add("token_end", DataTypes.IntegerType, false)
      .add("n_tokens", DataTypes.IntegerType, false)
      .add("text", DataTypes.StringType, false);

  private ChunkJob() {}

  public static JobCounts run(SparkSession spark, Lake lake, SentencePieceTokenizer tokenizer, Config config) {
    int size = config.getInt("qa.chunk_tokens", 1000);
    if (size < 16) throw new UserError("qa.chunk_tokens = " + size + " is too small: use at least 16 (LWM uses 1000)");
    JobCounts counts = new JobCounts(JOB);
    Dataset<Row> bookTokens = lake.read(spark, Tables.BOOK_TOKENS);
    String had = QaTables.tokenizerOf(spark, lake, Tables.BOOK_TOKENS);
    if (had == null) throw new UserError("book_tokens in " + lake + " records no tokenizer: re-run lwm ingest tokenize --overwrite");
    QaTables.checkTokenizer(spark, lake, Tables.BOOK_TOKENS, tokenizer);

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
    Map<String, String> props = new LinkedHashMap<>(counts.asProperties());
    props.put(QaTables.TOKENIZER_PROPERTY, tokenizer.identity());
    props.put(CHUNK_TOKENS_PROPERTY, String.valueOf(size));
    props.put("lwm.code_version", LwmVersion.get());
    props.put("lwm.config_hash", config.hash("qa.chunk"));
    lake.setProperties(spark, Tables.CHUNKS, props);
    tok.destroy();
    return counts;
  }
}
