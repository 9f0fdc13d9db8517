package org.lwm.ingest.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.spark.SparkSessions;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.ingest.BooksJob;
import org.lwm.ingest.TokenizeJob;

/**
 * bench/ingest.sh's measurement: {@code ingest books} + {@code ingest tokenize} on Spark {@code local[2]} into a
 * fresh lake, against the same tokenizer encoding the same texts on one thread (warmed up) in the same JVM.
 * The pipeline's target is 0.8 × 2 × the single-thread speed (two cores, 20% for reading, hashing, dedup and
 * Delta writes). Usage: IngestBenchmark BOOKS_DIR TOKENIZER_MODEL LAKE_DIR
 */
public final class IngestBenchmark {
  private IngestBenchmark() {}

  public static void main(String[] args) {
    Path books = Path.of(args[0]);
    Path model = Path.of(args[1]);
    Lake lake = Lake.of(args[2]);
    Config config = Config.of(Map.of("spark.master", "local[2]", "spark.sql.shuffle.partitions", "4", "spark.driver.memory", "6g"));
    SparkSession spark = SparkSessions.create("ingest benchmark", config);

    long t0 = System.nanoTime();
    JobCounts ingest = BooksJob.run(spark, lake, List.of(books.toString()), config);
    long t1 = System.nanoTime();
    JobCounts tokenize = TokenizeJob.run(spark, lake, model.toString(), false, config);
    long t2 = System.nanoTime();
    ingest.print(System.out);
    tokenize.print(System.out);

    List<String> texts = lake.read(spark, Tables.BOOKS).select("text").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    long bytes = 0;
    for (String t : texts) bytes += t.getBytes(StandardCharsets.UTF_8).length;
    SentencePieceTokenizer tok = SentencePieceTokenizer.load(model);
    SentencePieceTokenizer.Encoder enc = tok.newEncoder();
    // warm-up: one pass over ~20% of the text, so the single-thread figure is the JIT-compiled steady state
    long warm = 0;
    for (String t : texts) {
      if (warm > bytes / 5) break;
      enc.encode(t);
      warm += t.length();
    }
    long s0 = System.nanoTime();
    long tokens = 0;
    for (String t : texts) tokens += enc.encode(t).length;
    long s1 = System.nanoTime();

    double mb = bytes / 1e6;
    double ingestS = (t1 - t0) / 1e9;
    double tokenizeS = (t2 - t1) / 1e9;
    double pipeline = mb / (ingestS + tokenizeS);
    double single = mb / ((s1 - s0) / 1e9);
    System.out.printf("%ntext: %.1f MB in %d books, %d tokens (single-thread check: %d)%n", mb, texts.size(), tokenize.get("tokens_total"), tokens);
    System.out.printf("ingest books (local[2]):        %6.1f s  %6.2f MB/s%n", ingestS, mb / ingestS);
    System.out.printf("ingest tokenize (local[2]):     %6.1f s  %6.2f MB/s%n", tokenizeS, mb / tokenizeS);
    System.out.printf("ingest + tokenize (local[2]):   %6.1f s  %6.2f MB/s%n", ingestS + tokenizeS, pipeline);
    System.out.printf("tokenizer, one thread:          %6.1f s  %6.2f MB/s%n", (s1 - s0) / 1e9, single);
    System.out.printf("ratio pipeline / (2 x one thread): %.2f   (tokenize alone: %.2f; target >= 0.8)%n", pipeline / (2 * single), (mb / tokenizeS) / (2 * single));
    spark.stop();
  }
}
