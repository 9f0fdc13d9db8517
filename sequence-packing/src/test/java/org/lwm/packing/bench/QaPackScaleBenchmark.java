package org.lwm.packing.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.spark.SessionConf;
import org.lwm.core.spark.SparkSessions;
import org.lwm.ingest.BooksJob;
import org.lwm.ingest.TokenizeJob;
import org.lwm.packing.format.FormatOptions;
import org.lwm.packing.lake.ExampleSources;
import org.lwm.packing.lake.ExamplesJob;
import org.lwm.packing.lake.PackJob;
import org.lwm.packing.lake.StageSpec;
import org.lwm.qa.assemble.AssembleJob;
import org.lwm.qa.chunk.ChunkJob;
import org.lwm.qa.generate.GenerateJob;

/**
 * bench/qa-pack-scale.sh's measurement (docs/PERFORMANCE.md, "Corpus scale: qa and pack jobs"): {@code qa chunk},
 * {@code qa assemble}, {@code pack examples} and {@code pack run} on Spark {@code local[2]}, each timed as a step
 * (provenance included) next to its floor in the same run: the cheapest Spark work with the same I/O, a full scan of
 * the job's input tables plus a Delta write of the job's own output rows (cached on local disk beforehand, so the floor
 * computes nothing). The input lake is built once by the upstream jobs ({@code ingest books}, {@code ingest
 * tokenize}, {@code qa generate} with the extractive generator) and reused when it exists. Per job it prints the
 * seconds, job/floor ratio, Spark SQL executions and jobs, the counts, and a content digest of the output table
 * (count and order-free hash sum) that must not change with an optimisation. With {@code -Dbench.jfr=DIR} each job
 * runs under its own JFR recording and the top sampled frames are printed.
 *
 * <p>Usage: {@code QaPackScaleBenchmark BOOKS_DIR TOKENIZER_MODEL LAKE_DIR [JOBS (chunk,assemble,examples,pack)]}.
 */
public final class QaPackScaleBenchmark {
  static final List<Integer> LENGTHS = List.of(8192, 32768);
  static final StageSpec STAGE = new StageSpec("32k", 32768, Map.of(), Set.of(ExampleSources.LONG_QA), 0);

  private QaPackScaleBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path books = Path.of(args[0]);
    String model = Path.of(args[1]).toAbsolutePath().toString();
    Lake lake = Lake.of(args[2]);
    List<String> jobs = List.of((args.length > 3 ? args[3] : "chunk,assemble,examples,pack").split(","));
    String jfrDir = System.getProperty("bench.jfr");
    Config base = Config.of(Map.of("spark.master", "local[2]"));
    // LWM_BENCH_SET="pack.window_tokens=N,…": config keys for every job (e.g. to compare a bound with none)
    for (String kv : System.getenv().getOrDefault("LWM_BENCH_SET", "").split(",")) {
      if (kv.contains("=")) base = base.with(kv.substring(0, kv.indexOf('=')).trim(), kv.substring(kv.indexOf('=') + 1).trim());
    }
    Config config = base;
    SparkSession spark = SparkSessions.create("qa/pack scale benchmark", config);
    spark.sparkContext().setLogLevel("ERROR");
    QueryCounter counter = new QueryCounter(spark);

    if (!lake.exists(spark, Tables.BOOK_TOKENS)) {
      long t0 = System.nanoTime();
      BooksJob.run(spark, lake, List.of(books.toString()), config);
      TokenizeJob.run(spark, lake, model, false, config);
      System.out.printf("upstream: ingest books + tokenize  %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }
    long bookTokenBytes = tableBytes(spark, lake, Tables.BOOK_TOKENS);
    System.out.printf("input: book_tokens %.1f MB on disk, %d books%n", bookTokenBytes / 1e6, lake.read(spark, Tables.BOOK_TOKENS).count());

    List<String> report = new ArrayList<>();
    if (jobs.contains("chunk")) {
      report.add(measure(spark, lake, counter, jfrDir, "qa chunk", () -> ChunkJob.run(spark, lake, model, config),
          List.of(Tables.BOOK_TOKENS), Tables.CHUNKS, null));
    }
    if (jobs.contains("assemble")) {
      if (!lake.exists(spark, Tables.QA_PAIRS)) {
        long t0 = System.nanoTime();
        GenerateJob.run(spark, lake, "extractive", config);
        System.out.printf("upstream: qa generate (extractive)  %.1f s%n", (System.nanoTime() - t0) / 1e9);
      }
      report.add(measure(spark, lake, counter, jfrDir, "qa assemble", () -> AssembleJob.run(spark, lake, model, LENGTHS, config),
          List.of(Tables.CHUNKS, Tables.QA_PAIRS), Tables.LONG_QA, null));
    }
    if (jobs.contains("examples")) {
      report.add(measure(spark, lake, counter, jfrDir, "pack examples", () -> ExamplesJob.run(spark, lake, model, FormatOptions.defaults(), config),
          List.of(Tables.BOOK_TOKENS, Tables.LONG_QA), Tables.EXAMPLES, null));
    }
    if (jobs.contains("pack")) {
      report.add(measure(spark, lake, counter, jfrDir, "pack run", () -> PackJob.run(spark, lake, STAGE, config),
          List.of(Tables.EXAMPLES), Tables.PACKED, "stage = '" + STAGE.name() + "'"));
    }
    System.out.println();
    System.out.printf("%-14s %8s %8s %7s %8s %6s%n", "job", "job s", "floor s", "ratio", "queries", "jobs");
    report.forEach(System.out::println);
    spark.stop();
  }

  static String measure(SparkSession spark, Lake lake, QueryCounter counter, String jfrDir, String name, Supplier<JobCounts> job,
      List<String> inputs, String output, String where) throws Exception {
    Recording rec = null;
    if (jfrDir != null) {
      rec = new Recording(Configuration.getConfiguration("profile"));
      rec.start();
    }
    long[] q0 = counter.snapshot();
    long t0 = System.nanoTime();
    JobCounts counts = job.get();
    double jobS = (System.nanoTime() - t0) / 1e9;
    long[] q1 = counter.snapshot();
    if (rec != null) {
      Path file = Path.of(jfrDir, name.replace(' ', '-') + ".jfr");
      Files.createDirectories(file.getParent());
      rec.dump(file);
      rec.close();
      System.out.println(name + ": JFR " + file);
      printTopFrames(file);
    }
    Map<String, Object> shown = new LinkedHashMap<>(counts.values());
    System.out.println(name + ": counts " + shown);
    System.out.println(name + ": digest " + output + (where == null ? "" : " where " + where) + " " + digest(spark, lake, output, where)
        + (output.equals(Tables.CHUNKS) ? "; rejects " + digest(spark, lake, Tables.REJECTS, null) : ""));
    double floorS = floor(spark, lake, inputs, output, where);
    return String.format("%-14s %8.1f %8.1f %7.2f %8d %6d", name, jobS, floorS, floorS / jobS, q1[0] - q0[0], q1[1] - q0[1]);
  }

  /**
   * The floor: a full scan of each input table into Spark's no-op sink, then the job's output rows (cached and
   * materialised before the clock starts) written as a new Delta table. Same reads, same bytes written, no work. The
   * cache is on local disk: serialized in memory, a partition of packed rows (720 KB each at L = 32768) is unrolled
   * whole and a 3 GiB heap runs out before the job's own write would.
   */
  static double floor(SparkSession spark, Lake lake, List<String> inputs, String output, String where) {
    return withSmallReaderBatches(spark, () -> {
      Dataset<Row> out = lake.read(spark, output);
      if (where != null) out = out.where(where).drop("stage");
      out = out.persist(org.apache.spark.storage.StorageLevel.DISK_ONLY());
      out.count();
      String target = lake.table("floor-" + output);
      long t0 = System.nanoTime();
      for (String in : inputs) if (lake.exists(spark, in)) lake.read(spark, in).write().format("noop").mode("overwrite").save();
      out.write().format("delta").mode("overwrite").save(target);
      double s = (System.nanoTime() - t0) / 1e9;
      out.unpersist(true);
      return s;
    });
  }

  /** Row count and the sum of a 64-bit hash of every row (map columns as JSON, the rejects' time left out). */
  static String digest(SparkSession spark, Lake lake, String table, String where) {
    if (!lake.exists(spark, table)) return "absent";
    Dataset<Row> t = where == null ? lake.read(spark, table) : lake.read(spark, table).where(where);
    List<String> cols = new ArrayList<>();
    for (StructField f : t.schema().fields()) {
      if (f.name().equals("at")) continue;
      cols.add(f.dataType() instanceof MapType ? "to_json(`" + f.name() + "`)" : "`" + f.name() + "`");
    }
    return withSmallReaderBatches(spark, () -> {
      Row r = t.selectExpr("xxhash64(" + String.join(", ", cols) + ") AS h").selectExpr("count(*)", "sum(cast(h AS decimal(38,0)))").first();
      return r.getLong(0) + " rows, hash " + r.get(1);
    });
  }

  /**
   * Rows of whole books' tokens: Spark's Parquet reader decodes 4096 rows per batch, which for book-sized arrays is
   * more than a 3 GiB heap holds; the benchmark's own reads (digest, floor) use 64-row batches.
   */
  static <T> T withSmallReaderBatches(SparkSession spark, Supplier<T> work) {
    return SessionConf.with(spark, "spark.sql.parquet.columnarReaderBatchSize", "64", work);
  }

  static long tableBytes(SparkSession spark, Lake lake, String table) throws Exception {
    org.apache.hadoop.fs.FileSystem fs = lake.fileSystem(spark);
    return fs.getContentSummary(new org.apache.hadoop.fs.Path(lake.table(table))).getLength();
  }

  /** The ten most sampled top frames and the ten most sampled frames anywhere in the stacks, with their shares. */
  static void printTopFrames(Path file) throws Exception {
    Map<String, Integer> top = new HashMap<>();
    Map<String, Integer> any = new HashMap<>();
    int samples = 0;
    for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
      if (!e.getEventType().getName().equals("jdk.ExecutionSample") || e.getStackTrace() == null) continue;
      samples++;
      List<RecordedFrame> frames = e.getStackTrace().getFrames();
      if (frames.isEmpty()) continue;
      top.merge(frameName(frames.get(0)), 1, Integer::sum);
      Set<String> seen = new java.util.HashSet<>();
      for (RecordedFrame f : frames) if (seen.add(frameName(f))) any.merge(frameName(f), 1, Integer::sum);
    }
    final int n = Math.max(1, samples);
    System.out.println("  " + samples + " execution samples; top frames:");
    print(top, n, 10);
    System.out.println("  org.lwm frames anywhere in the stack:");
    print(any.entrySet().stream().filter(x -> x.getKey().startsWith("org.lwm")).collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)), n, 8);
  }

  private static void print(Map<String, Integer> m, int n, int k) {
    m.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(k)
        .forEach(x -> System.out.printf("    %5.1f%%  %s%n", 100.0 * x.getValue() / n, x.getKey()));
  }

  private static String frameName(RecordedFrame f) {
    return f.getMethod().getType().getName() + "." + f.getMethod().getName();
  }
}
