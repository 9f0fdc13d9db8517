package org.lwm.orchestration.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_name;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.spark.CatalystRows;
import org.lwm.core.spark.InternalRows;
import org.lwm.core.spark.QueryCounter;
import org.lwm.core.spark.SparkSessions;
import org.lwm.core.step.StepExecution;
import org.lwm.core.step.Steps;
import org.lwm.core.tokenizer.SentencePieceTokenizer;

/**
 * bench/corpus.sh's measurement (docs/PERFORMANCE.md, "Spark jobs at corpus scale"): the corpus jobs, each run as the
 * pipeline runs it ({@link StepExecution} on a fresh lake, on Spark {@code local[2]}), and right after it its
 * <em>floor</em>: the cheapest Spark job doing the same I/O on the same session ({@link Floor}). Reported per job:
 * wall seconds, MB/s of book text, floor/job (the floor's time over the job's: ≥ 0.5 means the job runs at least
 * half as fast as Spark itself allows), the Spark SQL queries and Spark jobs it started, and its fixed cost: the same
 * job on 1 MB of books (after a 1 MB warm-up round, so class loading is not counted twice). Then ingest + tokenize
 * against two threads of the tokenizer on the same text.
 *
 * <p>Adding a job is one {@link Job} line in {@link #jobs}: its step name, its config, and a floor (usually
 * {@link Floor#rewrite}: read its input tables, write its output's rows again as a Delta table).
 *
 * <p>Usage: CorpusBenchmark WORK_DIR TOKENIZER_MODEL, with {@code WORK_DIR/books} (the corpus) and
 * {@code WORK_DIR/books-1mb} from bench/make-books.py.
 */
public final class CorpusBenchmark {
  private CorpusBenchmark() {}

  /** The cheapest Spark job with a job's I/O, run after the job on its lake; writes under {@code scratch}. */
  @FunctionalInterface
  interface Floor {
    void run(SparkSession spark, Lake lake, String scratch, JobCounts jobCounts);

    /**
     * Generic: every input table scanned whole (Spark's no-op sink) and the job's output table's rows written again
     * as a new Delta table: the same rows and bytes, no computation. (Reading the output back is extra work for the
     * floor, so this errs on the floor's slow side.)
     */
    static Floor rewrite(List<String> inputs, String output) {
      return (spark, lake, scratch, counts) -> {
        for (String t : inputs) read(spark, t, () -> lake.read(spark, t).write().format("noop").mode("overwrite").save());
        read(spark, output, () -> lake.read(spark, output).write().format("delta").mode("overwrite").save(scratch + "/" + output));
      };
    }

    /**
     * Tables of book-sized rows are scanned as the jobs scan them (core's {@code CatalystRows.ofBooks}: one row per
     * Parquet reader batch); with the default 4096 rows a batch, the floor itself ran out of the 3 GiB heap at 1 GB.
     */
    private static void read(SparkSession spark, String table, Runnable scan) {
      if (!BOOK_SIZED.contains(table)) {
        scan.run();
        return;
      }
      CatalystRows.planningBookSized(spark, () -> {
        scan.run();
        return null;
      });
    }

    java.util.Set<String> BOOK_SIZED = java.util.Set.of(Tables.BOOKS, Tables.BOOK_TOKENS, Tables.EXAMPLES, Tables.PACKED);
  }

  /** One measured job: a pipeline step by name, its config, and its floor. */
  record Job(String step, Config config, Floor floor) {}

  /** The jobs in pipeline order, on one lake; each reads what the ones before it wrote. */
  static List<Job> jobs(Path books, Path model) {
    return List.of(
        new Job("ingest books", Config.of(Map.of("ingest.books.input", books.toString())), booksFloor(books)),
        new Job("ingest tokenize", Config.of(Map.of(StepExecution.TOKENIZER_KEY, model.toString())), tokensFloor()),
        new Job("qa chunk", Config.of(Map.of(StepExecution.TOKENIZER_KEY, model.toString())),
            Floor.rewrite(List.of(Tables.BOOK_TOKENS), Tables.CHUNKS)),
        // the offline generator, one Delta commit for the whole table (its default commits every 512 chunks)
        new Job("qa generate", Config.of(Map.of("qa.generator", "extractive", "qa.generate.batch_chunks", String.valueOf(1 << 30))),
            Floor.rewrite(List.of(Tables.CHUNKS), Tables.QA_PAIRS)),
        new Job("qa assemble", Config.of(Map.of(StepExecution.TOKENIZER_KEY, model.toString(), "qa.assemble.lengths", "8192,32768")),
            Floor.rewrite(List.of(Tables.CHUNKS, Tables.QA_PAIRS), Tables.LONG_QA)),
        new Job("pack examples", Config.of(Map.of(StepExecution.TOKENIZER_KEY, model.toString())),
            Floor.rewrite(List.of(Tables.BOOK_TOKENS, Tables.LONG_QA), Tables.EXAMPLES)),
        new Job("pack run", Config.of(Map.of("pack.stage", "32k", "pack.stages.32k.seq_len", "32768", "pack.stages.32k.separate", "long_qa")),
            Floor.rewrite(List.of(Tables.EXAMPLES), Tables.PACKED)));
  }

  /** ingest books' floor: the files read whole as text and written with their paths as a Delta table. */
  static Floor booksFloor(Path books) {
    return (spark, lake, scratch, counts) -> spark.read().format("text").option("wholetext", "true").load(books.toString())
        .select(input_file_name().as("source"), col("value").as("text"))
        .write().format("delta").mode("overwrite").save(scratch + "/books");
  }

  /**
   * ingest tokenize's floor: {@code books} read (text included), and per book an {@code array<int>} of the job's size
   * written (n_chars × the job's tokens per character ids from a cheap generator, spread over the vocabulary so they
   * compress like ids, not like zeros), handed to Spark the cheapest way there is ({@link InternalRows#ints}).
   */
  static Floor tokensFloor() {
    return (spark, lake, scratch, counts) -> {
      double perChar = (double) counts.get("tokens_total") / Math.max(1, counts.get("chars"));
      int vocab = (int) Math.max(2, counts.get("vocab_size"));
      JavaRDD<InternalRow> rows = lake.read(spark, Tables.BOOKS).select("book_id", "text", "n_chars").queryExecution().toRdd().toJavaRDD()
          .map(r -> {
            int n = (int) Math.max(1, Math.round(r.getLong(2) * perChar));
            long text = r.getUTF8String(1).numBytes(); // the text is read, as the job reads it
            int[] ids = new int[n];
            long x = r.getUTF8String(0).hashCode() * 0x9E3779B97F4A7C15L + text;
            for (int i = 0; i < n; i++) {
              x ^= x << 13;
              x ^= x >>> 7;
              x ^= x << 17;
              ids[i] = (int) ((x >>> 33) % vocab);
            }
            return InternalRows.row(r.getUTF8String(0).clone(), InternalRows.ints(ids), (long) n);
          });
      InternalRows.dataFrame(spark, rows, TOKENS).write().format("delta").mode("overwrite").save(scratch + "/book_tokens");
    };
  }

  private static final StructType TOKENS = new StructType()
      .add("book_id", DataTypes.StringType).add("tokens", DataTypes.createArrayType(DataTypes.IntegerType, false)).add("n_tokens", DataTypes.LongType);

  /** One job's figures. */
  record Figures(double seconds, double floorSeconds, long queries, long sparkJobs, long peakHeap, JobCounts counts) {}

  public static void main(String[] args) throws Exception {
    Path work = Path.of(args[0]);
    Path model = Path.of(args[1]);
    Config session = Config.of(Map.of("spark.master", "local[2]", "spark.sql.shuffle.partitions", "4"));
    SparkSession spark = SparkSessions.create("corpus benchmark", session);
    spark.sparkContext().setLogLevel("ERROR");
    QueryCounter counter = QueryCounter.attach(spark);
    if (System.getenv("LWM_BENCH_QUERIES") != null) counter.log(System.out);

    Path small = work.resolve("books-1mb");
    Path corpus = work.resolve("books");
    HeapWatch heap = HeapWatch.start();
    round(spark, counter, heap, small, model, work.resolve("warmup"), false); // class loading and JIT, not reported
    Map<String, Figures> fixed = round(spark, counter, heap, small, model, work.resolve("small"), false);
    Map<String, Figures> full = round(spark, counter, heap, corpus, model, work.resolve("full"), true);

    double mb = textBytes(corpus) / 1e6;
    System.out.printf("%ncorpus: %.1f MB of books in %d files; Spark local[2], heap %.1f GiB; fixed cost = the same job on 1 MB%n",
        mb, fileCount(corpus), Runtime.getRuntime().maxMemory() / (double) (1L << 30));
    System.out.printf("%-24s %8s %8s %8s %10s %8s %11s %9s %12s%n", "job", "job s", "MB/s", "floor s", "floor/job", "queries", "spark jobs", "1 MB s",
        "peak heap MB");
    for (Map.Entry<String, Figures> e : full.entrySet()) {
      Figures f = e.getValue();
      Figures s = fixed.get(e.getKey());
      System.out.printf("%-24s %8.1f %8.1f %8.1f %10.2f %8d %11d %9.1f %12d%n", e.getKey(), f.seconds(), mb / f.seconds(), f.floorSeconds(),
          f.floorSeconds() / f.seconds(), f.queries(), f.sparkJobs(), s.seconds(), f.peakHeap() >> 20);
    }
    Figures books = full.get("ingest books");
    Figures tokens = full.get("ingest tokenize");
    if (books != null && tokens != null) {
      double single = singleThreadMbPerSecond(corpus, model);
      double both = books.seconds() + tokens.seconds();
      System.out.printf("%-24s %8.1f %8.1f %8.1f %10.2f%n", "ingest books + tokenize", both, mb / both,
          books.floorSeconds() + tokens.floorSeconds(), (books.floorSeconds() + tokens.floorSeconds()) / both);
      System.out.printf("tokenizer, one thread: %.1f MB/s; ingest + tokenize / (2 x one thread) = %.2f (goal >= 0.5)%n",
          single, (mb / both) / (2 * single));
      JobCounts c = books.counts();
      System.out.printf("accounting: seen %d = written %d + unchanged %d + duplicates %d + rejected %d: %s%n", c.get("seen"),
          c.get("books_written"), c.get("unchanged"), c.get("duplicates"), c.get("rejected"),
          c.get("seen") == c.get("books_written") + c.get("unchanged") + c.get("duplicates") + c.get("rejected") ? "holds" : "BROKEN");
    }
    System.out.println("(floor/job = floor seconds / job seconds: >= 0.5 is the goal; one run, job then its floor, same session;"
        + " peak heap = the most heap in use after any garbage collection during the job, all tasks and the driver: live data, not garbage)");
    spark.stop();
  }

  /** Every job on a fresh lake under {@code dir}, each followed by its floor. */
  static Map<String, Figures> round(SparkSession spark, QueryCounter counter, HeapWatch heap, Path books, Path model, Path dir, boolean print) {
    Lake lake = Lake.of(dir.resolve("lake").toString());
    String scratch = dir.resolve("floor").toUri().toString();
    Map<String, Figures> out = new LinkedHashMap<>();
    // e.g. "ingest books,ingest tokenize": a subset, in the usual order; the jobs before the subset's last one that
    // are not in it run too, unmeasured, as they make its input (qa chunk needs books and book_tokens)
    String only = System.getenv("LWM_BENCH_JOBS");
    List<Job> all = jobs(books, model);
    List<String> subset = only == null ? all.stream().map(Job::step).toList() : java.util.Arrays.asList(only.split(","));
    int last = -1;
    for (int i = 0; i < all.size(); i++) if (subset.contains(all.get(i).step())) last = i;
    for (Job job : all.subList(0, last + 1)) {
      if (!subset.contains(job.step())) {
        JobCounts counts = StepExecution.run(Steps.get(job.step()), spark, lake, withExtra(job.config()));
        if (print) System.out.println(job.step() + " (input of the jobs measured, not measured itself): " + counts.values());
        continue;
      }
      heap.reset();
      long[] q0 = counter.snapshot();
      long t0 = System.nanoTime();
      JobCounts counts = StepExecution.run(Steps.get(job.step()), spark, lake, withExtra(job.config()));
      long t1 = System.nanoTime();
      long[] q1 = counter.snapshot();
      long peak = heap.peakAfterGc();
      if (print) counts.print(System.out);
      long t2 = System.nanoTime();
      job.floor().run(spark, lake, scratch, counts);
      long t3 = System.nanoTime();
      out.put(job.step(), new Figures((t1 - t0) / 1e9, (t3 - t2) / 1e9, q1[0] - q0[0], q1[1] - q0[1], peak, counts));
    }
    return out;
  }

  /** A job's config with LWM_BENCH_SET's keys ("ingest.max_book_bytes=268435456,…"), which apply to every job. */
  static Config withExtra(Config config) {
    for (String kv : System.getenv().getOrDefault("LWM_BENCH_SET", "").split(",")) {
      if (kv.contains("=")) config = config.with(kv.substring(0, kv.indexOf('=')).trim(), kv.substring(kv.indexOf('=') + 1).trim());
    }
    return config;
  }

  private static List<Path> files(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    }
  }

  private static long fileCount(Path dir) throws IOException {
    return files(dir).size();
  }

  private static long textBytes(Path dir) throws IOException {
    long n = 0;
    for (Path p : files(dir)) n += Files.size(p);
    return n;
  }

  /** The tokenizer alone on one thread over up to 64 MB of the corpus, after a warm-up pass over 16 MB. */
  static double singleThreadMbPerSecond(Path dir, Path model) throws IOException {
    SentencePieceTokenizer.Encoder enc = SentencePieceTokenizer.load(model).newEncoder();
    List<String> texts = new ArrayList<>();
    long bytes = 0;
    for (Path p : files(dir)) {
      if (bytes >= 64e6) break;
      byte[] b = Files.readAllBytes(p);
      texts.add(new String(b, StandardCharsets.UTF_8));
      bytes += b.length;
    }
    long warm = 0;
    for (String t : texts) {
      if (warm > 16e6) break;
      enc.encode(t);
      warm += t.length();
    }
    long t0 = System.nanoTime();
    for (String t : texts) enc.encode(t);
    return bytes / 1e6 / ((System.nanoTime() - t0) / 1e9);
  }
}
