package org.lwm.qa.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.spark.SparkSessions;
import org.lwm.core.step.StepExecution;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.qa.chunk.ChunkJob;
import org.lwm.qa.chunk.Chunker;
import org.lwm.qa.generate.GenerateJob;
import org.lwm.qa.generate.Journal;
import org.lwm.qa.generate.OpenAiGenerator;
import org.lwm.qa.generate.QaValidator;

/**
 * bench/qa.sh's measurement. (1) Chunking the sample's 66 books into 1000-token chunks: our {@link Chunker} on one
 * thread against SentencePiece's own decoder (Python module over the C++ library) cutting the same token arrays,
 * interleaved over three rounds; then the whole {@code qa chunk} job on Spark local[2] (Delta write included).
 * (2) Generation: the executor code path ({@link GenerateJob#generatePartition}: pool, per-executor bound, journal)
 * with {@link OpenAiGenerator} against {@link LocalChatServer} (50 ms latency, 64 server threads) at concurrency
 * 1, 8 and 32, each next to a Python thread pool sending the same requests to the same server.
 * Usage: QaBenchmark SAMPLES_DIR PEER_SCRIPT WORK_DIR
 */
public final class QaBenchmark {
  private QaBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path samples = Path.of(args[0]);
    String peer = args[1];
    Path work = Path.of(args[2]);
    Path model = samples.resolve("tokenizer.model");
    SentencePieceTokenizer tok = SentencePieceTokenizer.load(model);
    List<String> names = new ArrayList<>();
    List<int[]> books = new ArrayList<>();
    try (var files = Files.list(samples.resolve("books"))) {
      for (Path p : files.sorted().toList()) {
        names.add(p.getFileName().toString());
        books.add(tok.encode(Files.readString(p)));
      }
    }
    Path tokensFile = work.resolve("tokens.txt");
    StringBuilder sb = new StringBuilder();
    for (int[] ids : books) {
      for (int i = 0; i < ids.length; i++) sb.append(i == 0 ? "" : " ").append(ids[i]);
      sb.append('\n');
    }
    Files.writeString(tokensFile, sb);

    System.out.println("== chunking (66 sample books, 1000-token chunks)");
    Chunker chunker = new Chunker(tok, 1000);
    for (int[] ids : books) chunker.chunk(ids); // warm-up
    double bestOurs = 0;
    double bestPeer = 0;
    for (int round = 1; round <= 3; round++) {
      long t0 = System.nanoTime();
      int n = 0;
      for (int[] ids : books) n += chunker.chunk(ids).size();
      double s = (System.nanoTime() - t0) / 1e9;
      String[] p = run(List.of("/usr/bin/python3", peer, "decode", model.toString(), tokensFile.toString(), "1000")).split(" ");
      System.out.printf("round %d: ours (Chunker, one thread) %d chunks in %.3f s = %.0f chunks/s; SentencePiece decode (Python/C++) %s chunks in %s s = %s chunks/s%n",
          round, n, s, n / s, p[0], p[1], p[2].strip());
      bestOurs = Math.max(bestOurs, n / s);
      bestPeer = Math.max(bestPeer, Double.parseDouble(p[2].strip()));
    }
    System.out.printf("chunking: ours %.0f chunks/s, SentencePiece %.0f chunks/s, ratio %.2f (best of 3 each)%n", bestOurs, bestPeer, bestOurs / bestPeer);

    Config config = Config.of(Map.of("spark.master", "local[2]", "spark.sql.shuffle.partitions", "4", "spark.ui.enabled", "false"));
    SparkSession spark = SparkSessions.create("qa benchmark", config);
    Lake lake = Lake.of(work.resolve("lake").toString());
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < books.size(); i++) rows.add(RowFactory.create(names.get(i), books.get(i), (long) books.get(i).length));
    StructType schema = new StructType().add("book_id", DataTypes.StringType).add("tokens", DataTypes.createArrayType(DataTypes.IntegerType, false))
        .add("n_tokens", DataTypes.LongType);
    lake.overwrite(spark.createDataFrame(rows, schema), Tables.BOOK_TOKENS);
    lake.setProperties(spark, Tables.BOOK_TOKENS, Map.of(StepExecution.TOKENIZER_PROPERTY, tok.identity()));
    JobCounts chunked = ChunkJob.run(spark, lake, model.toString(), config);
    System.out.printf("qa chunk job (local[2], read book_tokens + chunk + Delta write + counts): %d chunks in %.1f s = %.0f chunks/s%n",
        chunked.get("chunks"), chunked.seconds(), chunked.get("chunks") / chunked.seconds());

    System.out.println("\n== generation (openai client, local server with 50 ms latency; ideal = concurrency x 20 requests/s)");
    List<Row> chunks = lake.read(spark, Tables.CHUNKS).select("book_id", "chunk_index", "text").limit(1000).collectAsList();
    Journal journal = new Journal(Lake.of(work.resolve("journal-lake").toString()), spark.sparkContext().hadoopConfiguration());
    try (LocalChatServer server = new LocalChatServer(0, 50, 64)) {
      for (int c : new int[] {1, 8, 32}) {
        int n = Math.min(chunks.size(), 40 * c);
        OpenAiGenerator gen = new OpenAiGenerator(new OpenAiGenerator.Settings(server.baseUrl(), "local", "", OpenAiGenerator.DEFAULT_PROMPT, 0.7, 256,
            false, c, 30, 3, 0.5, 5, 10, 1000), new QaValidator(500, 1500, 0.5));
        GenerateJob.generatePartition(gen, journal, "warm-" + c, chunks.subList(0, Math.min(n, 2 * c)));
        long t0 = System.nanoTime();
        List<Row> out = GenerateJob.generatePartition(gen, journal, "bench-" + c, chunks.subList(0, n));
        double s = (System.nanoTime() - t0) / 1e9;
        long ok = out.stream().filter(r -> "ok".equals(r.getString(7))).count();
        String passage = chunks.get(0).getString(2);
        String[] p = run(List.of("/usr/bin/python3", peer, "http", server.baseUrl(), String.valueOf(c), String.valueOf(n), passage)).split(" ");
        System.out.printf("concurrency %2d: ours %4d requests (%d ok) in %.2f s = %6.1f req/s (%.0f%% of ideal); Python thread pool %s in %s s = %s req/s; ratio %.2f%n",
            c, n, ok, s, n / s, 100 * (n / s) / (20.0 * c), p[0], p[1], p[2].strip(), (n / s) / Double.parseDouble(p[2].strip()));
      }
    }
    spark.stop();
  }

  private static String run(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) throw new IllegalStateException(cmd + " failed: " + out);
    String[] lines = out.strip().split("\n");
    return lines[lines.length - 1];
  }
}
